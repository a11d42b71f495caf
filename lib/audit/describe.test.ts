import { describe, expect, it } from "vitest";
import { describeAudit, groupLabel } from "./describe";

describe("audit sentences", () => {
  it("names an error group by its HTTP status, else its class", () => {
    expect(groupLabel("http_error|503|Service unavailable")).toBe("HTTP 503");
    expect(groupLabel("timeout|-|The call took longer than <n> ms")).toBe("timeout");
  });

  it("says who retried how many frames in which group", () => {
    expect(describeAudit({ actor: "ana@example.com", action: "video.retry", detail: { fingerprint: "http_error|503|x", requeued: 57 }, result: "ok" })).toBe(
      "ana@example.com retried 57 frames in group HTTP 503",
    );
    expect(describeAudit({ actor: "ana@example.com", action: "video.retry", detail: { status: "failed", requeued: 1 }, result: "ok" })).toBe(
      "ana@example.com retried all 1 frame that failed",
    );
  });

  it("says when an action was refused", () => {
    expect(describeAudit({ actor: "bo@example.com", action: "video.cancel", detail: null, result: "video_finished" })).toBe(
      "bo@example.com canceled processing — refused (video_finished)",
    );
    expect(describeAudit({ actor: "x", action: "something.new", detail: null, result: "ok" })).toBe("x something.new");
  });
});
