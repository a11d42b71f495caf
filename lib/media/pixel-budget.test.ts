import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeClip } from "@/test/support/clips";
import { MediaError } from "./errors";
import { extractFrames } from "./ffmpeg";
import { probeMedia } from "./probe";
import { extractionFrameCap } from "./untrusted-input";

// Decompression bombs: a small file that declares (or hides) far more pixels
// than it is worth. The probe refuses a video over MAX_VIDEO_PIXELS (frames x
// width x height) with a sentence, and extraction stops just past the frame
// count the probe read, so a header that under-declares cannot run away.

let dir: string;
let clip: string; // 60 frames of 320x240 = 4,608,000 pixels

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "framewise-budget-"));
  clip = await makeClip({ path: path.join(dir, "clip.mp4"), seconds: 2, fps: 30, audio: false });
});

afterAll(() => rm(dir, { recursive: true, force: true }));

async function failure(promise: Promise<unknown>): Promise<MediaError> {
  return promise.then(
    () => expect.unreachable("expected a rejection") as never,
    (e: unknown) => e as MediaError,
  );
}

describe("the media budget", () => {
  it("accepts a video within MAX_VIDEO_PIXELS", async () => {
    const info = await probeMedia(clip, { maxVideoPixels: 60 * 320 * 240 });
    expect(info.frameCountEstimate).toBe(60);
  });

  it("refuses at probe, with a sentence, a video over MAX_VIDEO_PIXELS", async () => {
    const error = await failure(probeMedia(clip, { maxVideoPixels: 60 * 320 * 240 - 1 }));
    expect(error).toBeInstanceOf(MediaError);
    expect(error.code).toBe("over_pixel_budget");
    expect(error.isInputError).toBe(true);
    expect(error.message).toBe(
      "clip.mp4 is too large to process: 60 frames of 320x240 is 4,608,000 pixels, over the budget of 4,607,999 (MAX_VIDEO_PIXELS)",
    );
  });

  it("stops extraction just past the probed frame count when the file holds more", async () => {
    // The probe said 10 frames; the file really has 60 (a header that lies).
    const framesDir = path.join(dir, "frames-lying");
    const error = await failure(extractFrames({ source: clip, framesDir, frameCountEstimate: 10 }));
    expect(error.code).toBe("unsupported");
    expect(error.isInputError).toBe(true);
    expect(error.message).toContain("holds more frames than its header declares (10)");
    expect((await readdir(framesDir)).length).toBe(extractionFrameCap(10));
    expect(extractionFrameCap(10)).toBe(21);
  });

  it("extracts every frame when the probed count is right", async () => {
    const framesDir = path.join(dir, "frames-honest");
    const { frameCount } = await extractFrames({ source: clip, framesDir, frameCountEstimate: 60 });
    expect(frameCount).toBe(60);
    expect((await stat(path.join(framesDir, "000059.jpg"))).isFile()).toBe(true);
  });
});
