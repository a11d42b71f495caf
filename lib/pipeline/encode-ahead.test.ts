import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startFakeEnhancer } from "@/lib/enhance/fake-service";
import { videoKeys } from "@/lib/storage/keys";
import { videoPaths } from "@/lib/storage/paths";
import { inspectFile, makeClip } from "@/test/support/clips";
import { createTestPipeline, processUpload, startTestWorker, videoStatus } from "@/test/support/pipeline";
import { stageRow } from "@/test/support/seed";
import { waitFor } from "@/test/support/wait";
import { encodeAnyway } from "./commands";
import { runEncode } from "./runners/encode";

// Issue 11: encoding overlaps enhancement. The early encode turns enhanced
// frames into pictures in order while enhance runs; the encode stage then
// only adds the audio. A frame that fails for good stops it, and the encode
// stage encodes the frames itself, as before.
describe("the early encode", async () => {
  const { url, pool, ctx, dataDir } = await createTestPipeline();
  // Frame 45 of every video fails for good (422): clips of 45 frames or fewer never meet it.
  const FAILING = 45;
  const fake = await startFakeEnhancer({ failFrames: [FAILING] });
  afterAll(() => fake.close());
  await startTestWorker(url, dataDir, { enhancer: { kind: "http", url: fake.url, timeoutMs: 10_000 } });
  const aheadRow = async (id: string) => (await pool.query(`SELECT status, frames, reason FROM encode_ahead WHERE video_id = $1`, [id])).rows[0];

  it("encodes the frames while they are enhanced; the encode stage only adds the audio", { timeout: 120_000 }, async () => {
    const clip = await makeClip({ path: path.join(dataDir, "short.mp4"), seconds: 1.5, width: 160, height: 120, fps: 30, audio: true });
    const { id, status } = await processUpload(ctx, clip);
    expect(status).toBe("completed");
    expect(await aheadRow(id)).toMatchObject({ status: "done", frames: 45, reason: null });
    expect(await stageRow(ctx, id, "encode")).toMatchObject({ status: "succeeded", result: expect.objectContaining({ encodedAhead: true, frames: 45 }) });
    const out = await inspectFile(videoPaths(dataDir, id).output);
    expect(out.video?.frames).toBe(45);
    expect(out.audio).toBeTruthy();
    // The intermediate pictures are gone once the output is made.
    expect(await ctx.storage.head(videoKeys(id).pictures)).toBeNull();
  });

  it("stops at a frame that failed for good; after encode anyway, the encode stage encodes every frame itself", { timeout: 120_000 }, async () => {
    const clip = await makeClip({ path: path.join(dataDir, "long.mp4"), seconds: 2, width: 160, height: 120, fps: 30, audio: true });
    const { id, status } = await processUpload(ctx, clip);
    expect(status).toBe("failed");
    // The early encode follows the frames at its own pace: it may reach frame 45 after the video failed.
    const ahead = await waitFor(async () => ((await aheadRow(id))?.status === "running" ? null : aheadRow(id)), { timeoutMs: 30_000, what: "the early encode to stop" });
    expect(ahead).toMatchObject({ status: "abandoned", frames: FAILING, reason: expect.stringContaining(`frame ${FAILING} failed for good`) });
    await encodeAnyway(ctx, id);
    const done = await waitFor(async () => {
      const s = await videoStatus(pool, id);
      return s === "completed" || s === "failed" ? s : null;
    }, { timeoutMs: 60_000, what: "the video to finish after encode anyway" });
    expect(done).toBe("completed");
    expect(await stageRow(ctx, id, "encode")).toMatchObject({ result: expect.objectContaining({ encodedAhead: false, frames: 60 }) });
    expect((await inspectFile(videoPaths(dataDir, id).output)).video?.frames).toBe(60);
  });

  it("an early encode whose worker stopped beating is taken over, and the frames are encoded in full", { timeout: 120_000 }, async () => {
    const clip = await makeClip({ path: path.join(dataDir, "taken.mp4"), seconds: 1, width: 160, height: 120, fps: 30, audio: false });
    const { id, status } = await processUpload(ctx, clip);
    expect(status).toBe("completed");
    // As if the encode stage were run again while a dead worker held a new early encode.
    await pool.query(`UPDATE encode_ahead SET status = 'running', worker_id = 'gone', heartbeat_at = now() - interval '5 minutes' WHERE video_id = $1`, [id]);
    await pool.query(`UPDATE video_stages SET status = 'running' WHERE video_id = $1 AND name = 'encode'`, [id]);
    await runEncode(ctx, id);
    expect(await aheadRow(id)).toMatchObject({ status: "abandoned", reason: expect.stringContaining("stopped reporting") });
    expect(await stageRow(ctx, id, "encode")).toMatchObject({ status: "succeeded", result: expect.objectContaining({ encodedAhead: false, frames: 30 }) });
    expect((await inspectFile(videoPaths(dataDir, id).output)).video?.frames).toBe(30);
  });
});
