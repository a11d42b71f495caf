import { describe, expect, it } from "vitest";
import { allGone, frameFiles, LONG_CLIP_FRAMES, makeLongClip, startExtracting } from "./support/extraction";
import { createTestPipeline } from "./support/pipeline";
import { fakeServiceWorkerEnv, spawnWorker } from "./support/worker-process";

// Issue 9.1: an ffmpeg whose worker is killed -9 does not keep running.
describe("ffmpeg dies with its worker", async () => {
  const { url, ctx, dataDir } = await createTestPipeline();
  const clip = await makeLongClip(dataDir);

  it("kill -9 of the worker during extraction: its ffmpeg is gone soon after", { timeout: 180_000 }, async () => {
    const worker = spawnWorker(fakeServiceWorkerEnv({ databaseUrl: url, dataDir, enhancerUrl: "http://127.0.0.1:9/enhance" }));
    await worker.ready;
    const { framesDir, ffmpeg } = await startExtracting(ctx, clip);

    const killedAt = performance.now();
    worker.child.kill("SIGKILL");
    await worker.exited;
    await allGone(ffmpeg, "the orphaned ffmpeg to be gone");
    console.log(`worker kill -9 -> ffmpeg gone: ${Math.round(performance.now() - killedAt)} ms, ${frameFiles(framesDir)} of ${LONG_CLIP_FRAMES} frames written`);
    // Without the fix ffmpeg extracts to the last frame.
    expect(frameFiles(framesDir)).toBeLessThan(LONG_CLIP_FRAMES);
  });
});
