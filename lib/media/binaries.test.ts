import { describe, expect, it } from "vitest";
import { isMediaError } from "./errors";
import { ffmpegFeatures, passthroughArgs, resolveBinary } from "./binaries";

describe("resolveBinary", () => {
  it("uses the system ffmpeg when nothing is configured", () => {
    const binary = resolveBinary("ffmpeg");
    expect(binary.source).toBe("system");
    expect(binary.version).toMatch(/^ffmpeg version/);
  });

  it("uses FFMPEG_PATH when it is set and runs", () => {
    expect(resolveBinary("ffprobe", { configured: "/usr/bin/ffprobe" })).toMatchObject({ path: "/usr/bin/ffprobe", source: "env" });
  });

  it("refuses a configured path that does not run, naming the variable", () => {
    let error: unknown;
    try {
      resolveBinary("ffmpeg", { configured: "/nonexistent/ffmpeg" });
    } catch (e) {
      error = e;
    }
    expect(isMediaError(error, "binary_not_found")).toBe(true);
    expect((error as Error).message).toContain("FFMPEG_PATH=/nonexistent/ffmpeg");
  });

  it("falls back to the binary shipped in the npm package when none is on PATH", () => {
    const binary = resolveBinary("ffprobe", { systemCommand: "framewise-no-such-ffprobe" });
    expect(binary.source).toBe("bundled");
    expect(binary.path).toContain("@ffprobe-installer");
  });

  it("says what it tried when nothing works", () => {
    expect(() => resolveBinary("ffmpeg", { systemCommand: "framewise-no-such-ffmpeg", bundled: () => undefined })).toThrow(
      /no working ffmpeg found: tried "framewise-no-such-ffmpeg" on PATH .*set FFMPEG_PATH/,
    );
  });
});

describe("ffmpegFeatures", () => {
  it("detects -fps_mode on a current ffmpeg and falls back to -vsync on the old shipped build", () => {
    expect(passthroughArgs("/usr/bin/ffmpeg")).toEqual(["-fps_mode", "passthrough"]);
    const bundled = resolveBinary("ffmpeg", { systemCommand: "framewise-no-such-ffmpeg" });
    expect(ffmpegFeatures(bundled.path).fpsMode).toBe(false);
    expect(passthroughArgs(bundled.path)).toEqual(["-vsync", "passthrough"]);
    // Both builds have zscale (libzimg); a build without it gets the lookup tables (storage-media.ts).
    expect(ffmpegFeatures("/usr/bin/ffmpeg").zscale).toBe(true);
    expect(ffmpegFeatures(bundled.path).zscale).toBe(true);
  });
});
