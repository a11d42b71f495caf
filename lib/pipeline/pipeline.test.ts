import { copyFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { probeMedia } from "@/lib/media/probe";
import { videoPaths } from "@/lib/storage/paths";
import { inspectFile, makeClip, makeOddTimestampClip } from "@/test/support/clips";
import { createTestPipeline, processUpload, startTestWorker, videoStatus } from "@/test/support/pipeline";
import { waitFor } from "@/test/support/wait";
import { createVideo } from "./commands";

describe("the pipeline, end to end with the local enhancer", async () => {
  const { url, pool, ctx, dataDir } = await createTestPipeline();
  await startTestWorker(url, dataDir);
  const processFile = (file: string) => processUpload(ctx, file);

  it("turns a 2 s 320x240 30 fps clip with audio into a playable MP4 with the same frames", { timeout: 120_000 }, async () => {
    const clip = await makeClip({ path: path.join(dataDir, "clip.mp4"), seconds: 2, width: 320, height: 240, fps: 30, audio: true });
    const upload = path.join(dataDir, "upload.part");
    await copyFile(clip, upload);
    const { id } = await createVideo(ctx, { tempPath: upload, originalName: "clip.mp4", sizeBytes: 1 });

    const status = await waitFor(async () => {
      const s = await videoStatus(pool, id);
      return s === "completed" || s === "failed" ? s : null;
    }, { timeoutMs: 90_000, what: "the video to finish", describe: async () => JSON.stringify((await pool.query(`SELECT name, status, total, pending, running, succeeded, failed, error FROM video_stages WHERE video_id = $1`, [id])).rows) });
    const { rows: stages } = await pool.query(`SELECT name, status, total, succeeded, failed, error FROM video_stages WHERE video_id = $1 ORDER BY name`, [id]);
    expect(status, JSON.stringify(stages)).toBe("completed");

    const enhance = stages.find((s) => s.name === "enhance");
    expect(enhance).toMatchObject({ status: "succeeded", total: 60, succeeded: 60, failed: 0 });
    const { rows } = await pool.query(`SELECT count(*)::int AS n FROM frame_executions WHERE video_id = $1 AND status = 'succeeded'`, [id]);
    expect(rows[0].n).toBe(60);

    const out = await probeMedia(videoPaths(dataDir, id).output);
    expect(out.width).toBe(320);
    expect(out.height).toBe(240);
    expect(out.hasAudio).toBe(true);
    expect(out.fpsNum / out.fpsDen).toBe(30);
    expect(Math.abs(out.durationSec - 2)).toBeLessThanOrEqual(1 / 30 + 0.05);
    // The MP4 is fragmented (streamed to storage), so its header has no frame count: count the packets.
    expect((await inspectFile(videoPaths(dataDir, id).output)).video?.frames).toBe(60);
  });

  it("a video without audio: captions skipped with the reason, thumbnails made, video completed", { timeout: 120_000 }, async () => {
    const { id, status } = await processFile(await makeClip({ path: path.join(dataDir, "silent.mp4"), seconds: 1, width: 160, height: 120, fps: 24, audio: false }));
    expect(status).toBe("completed");
    const { rows } = await pool.query(`SELECT name, status, message, result FROM video_stages WHERE video_id = $1`, [id]);
    const stage = (name: string) => rows.find((r) => r.name === name);
    expect(stage("captions")).toMatchObject({ status: "skipped", message: "the video has no audio track" });
    expect(stage("thumbnails")).toMatchObject({ status: "succeeded", result: { count: 4 } });
    const out = await probeMedia(videoPaths(dataDir, id).output);
    expect(out.hasAudio).toBe(false);
    expect((await inspectFile(videoPaths(dataDir, id).output)).video?.frames).toBe(24);
  });

  it("a recording joined end to end (timestamps that jump back and repeat) is processed as a player plays it", { timeout: 120_000 }, async () => {
    const { id, status } = await processFile(await makeOddTimestampClip(path.join(dataDir, "joined.mkv")));
    const { rows } = await pool.query(`SELECT name, status, total, error FROM video_stages WHERE video_id = $1 ORDER BY name`, [id]);
    expect(status, JSON.stringify(rows)).toBe("completed");
    expect(rows.find((r) => r.name === "enhance")).toMatchObject({ total: 120 });
    expect((await inspectFile(videoPaths(dataDir, id).output)).video?.frames).toBe(120);
  });
});
