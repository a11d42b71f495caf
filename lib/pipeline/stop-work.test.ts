import { existsSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createEnhancer } from "@/lib/enhance/enhancer";
import { startFakeEnhancer } from "@/lib/enhance/fake-service";
import { videoDir } from "@/lib/storage/paths";
import { makeClip } from "@/test/support/clips";
import { allGone, frameFiles, LONG_CLIP_FRAMES, makeLongClip, startExtracting } from "@/test/support/extraction";
import { createTestPipeline, startTestWorker } from "@/test/support/pipeline";
import { seedEnhancingVideo, stageRow } from "@/test/support/seed";
import { waitFor } from "@/test/support/wait";
import { cancelVideo, deleteVideo } from "./commands";
import { processFrameJobs } from "./frame-engine";
import { sweepOrphanFolders } from "./orphan-folders";
import { VideoStops } from "./video-stops";

// Issue 9.2: cancel and delete stop the work itself, on whichever worker runs it.
describe("work that really stops", async () => {
  const { url, pool, ctx, dataDir } = await createTestPipeline();
  await startTestWorker(url, dataDir);
  const clip = await makeLongClip(dataDir);
  const extracting = () => startExtracting(ctx, clip);
  const gone = (pids: number[]) => allGone(pids);

  it("cancel during preprocess kills the video's ffmpeg: extraction stops short of the end", { timeout: 180_000 }, async () => {
    const { id, framesDir, ffmpeg } = await extracting();
    const started = performance.now();
    await cancelVideo(ctx, id);
    await gone(ffmpeg);
    console.log(`cancel -> ffmpeg gone: ${Math.round(performance.now() - started)} ms (${frameFiles(framesDir)} of ${LONG_CLIP_FRAMES} frames extracted)`);
    const extracted = frameFiles(framesDir);
    // Without the fix ffmpeg runs on to the last frame.
    expect(extracted).toBeLessThan(LONG_CLIP_FRAMES);
    expect(await stageRow(ctx, id, "preprocess")).toMatchObject({ status: "canceled" });
    // Frames are claimable as they land (enhance starts with extraction):
    // rows exist only for frames extracted before the cancel, and none of
    // them is claimed once it happened (the enhance stage is canceled too).
    const rows = async () =>
      (await pool.query<{ n: number; running: number }>(`SELECT count(*)::int AS n, count(*) FILTER (WHERE status = 'running')::int AS running FROM frame_executions WHERE video_id = $1`, [id])).rows[0]!;
    expect((await rows()).n).toBeLessThanOrEqual(extracted);
    expect(await stageRow(ctx, id, "enhance")).toMatchObject({ status: "canceled" });
    await waitFor(async () => (await rows()).running === 0, { timeoutMs: 30_000, what: "frames in flight at the cancel to settle" });
    const settled = await rows();
    await new Promise((r) => setTimeout(r, 1500));
    expect(await rows()).toEqual(settled);
  });

  it("delete during extraction stops ffmpeg first, answers without error and leaves no folder behind", { timeout: 180_000 }, async () => {
    const { id, ffmpeg } = await extracting();
    const started = performance.now();
    await deleteVideo(ctx, id);
    await gone(ffmpeg);
    console.log(`delete -> ffmpeg gone: ${Math.round(performance.now() - started)} ms`);
    // Whatever the dying ffmpeg wrote after the removal is the sweep's.
    await sweepOrphanFolders(ctx, { graceSeconds: 0 });
    expect(existsSync(videoDir(dataDir, id))).toBe(false);
  });

  it("the sweep removes a folder without a video row, once untouched for the grace, and keeps the others", async () => {
    const orphan = "0b9e7a52-3c1d-4e8f-9a6b-5d4c3b2a1f0e";
    await makeClip({ path: path.join(videoDir(dataDir, orphan), "source"), seconds: 1, width: 64, height: 48, fps: 5, audio: false });
    const live = await seedEnhancingVideo(ctx, { frames: 2 });
    expect(await sweepOrphanFolders(ctx, { graceSeconds: 3600 })).toEqual([]);
    expect(await sweepOrphanFolders(ctx, { graceSeconds: 0 })).toContain(orphan);
    expect(existsSync(videoDir(dataDir, orphan))).toBe(false);
    expect(existsSync(videoDir(dataDir, live))).toBe(true);
  });

  it("cancel aborts the video's enhancer calls in flight: they are not recorded as enhanced", { timeout: 60_000 }, async () => {
    const fake = await startFakeEnhancer({ latencyMs: 20_000 });
    afterAll(() => fake.close());
    const id = await seedEnhancingVideo(ctx, { frames: 4 });
    const stops = new VideoStops(pool, 200);
    stops.start();
    afterAll(() => stops.stop());
    const engine = { ctx, workerId: "w", enhancer: createEnhancer({ kind: "http", url: fake.url, timeoutMs: 60_000 }), leaseSeconds: 30, concurrency: 4, stops };
    const run = processFrameJobs(engine, [0, 1, 2, 3].map((frameIndex) => ({ videoId: id, frameIndex })));
    await waitFor(async () => fake.stats().inFlight === 4, { what: "4 calls in flight" });
    const started = performance.now();
    await cancelVideo(ctx, id);
    await run;
    console.log(`cancel -> enhancer calls aborted: ${Math.round(performance.now() - started)} ms`);
    await waitFor(async () => fake.stats().inFlight === 0, { what: "the calls to close" });
    const { rows } = await pool.query(`SELECT status, count(*)::int AS n FROM frame_executions WHERE video_id = $1 GROUP BY status`, [id]);
    expect(rows).toEqual([{ status: "pending", n: 4 }]);
  });
});
