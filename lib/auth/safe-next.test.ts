import { describe, expect, it } from "vitest";
import { safeNextPath } from "./safe-next";

// Where the login form sends the browser after signing in. Each off-site case
// is resolved by the browser's own URL parser, so a string check is not enough.
const ORIGIN = "https://framewise.example";

describe("safeNextPath", () => {
  it("keeps same-site paths, with their query and hash", () => {
    expect(safeNextPath("/videos/1?status=failed#frames", ORIGIN)).toBe("/videos/1?status=failed#frames");
    expect(safeNextPath("/ops", ORIGIN)).toBe("/ops");
  });

  it.each([
    ["/\t/evil.example/", "a tab the browser strips, leaving //evil.example/"],
    ["/\n/evil.example/", "a newline"],
    ["/\r\n/evil.example/path", "CR LF"],
    ["//evil.example", "protocol-relative"],
    ["/\\evil.example", "a backslash (read as a slash)"],
    ["/\\/evil.example", "slash, backslash, slash"],
    ["https://evil.example/", "absolute"],
    ["javascript:alert(1)", "script"],
    ["evil.example", "no leading slash"],
    ["", "empty"],
  ])("sends %j (%s) to /", (next) => {
    expect(safeNextPath(next, ORIGIN)).toBe("/");
    // And what it returns is really on this site.
    expect(new URL(safeNextPath(next, ORIGIN), ORIGIN).origin).toBe(ORIGIN);
  });

  it("sends a missing next to /", () => {
    expect(safeNextPath(null, ORIGIN)).toBe("/");
  });
});
