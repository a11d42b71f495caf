import { copyFile, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readResultFrame } from "@/lib/storage/frame-packs";
import { videoKeys } from "@/lib/storage/keys";
import { s3Storage } from "@/lib/storage/s3-storage";
import { Scratch } from "@/lib/storage/scratch";
import { inspectFile, makeClip } from "@/test/support/clips";
import { countingEnhancer } from "@/test/support/enhancers";
import { createTestPipeline, startTestWorker, videoStatus } from "@/test/support/pipeline";
import { startS3 } from "@/test/support/s3";
import { seedEnhancingVideo, storeResultsAndDie, stageRow } from "@/test/support/seed";
import { waitFor } from "@/test/support/wait";
import { createVideo, deleteVideo } from "./commands";
import { processFrameJobs } from "./frame-engine";

// The pipeline with STORAGE=s3 against a real S3-protocol server (s3rver)
// through the AWS SDK v3: every file of the video is an object, and neither
// DATA_DIR nor the worker's scratch keeps any of it.

describe("the pipeline on S3 storage", async () => {
  const s3 = await startS3();
  const storage = s3Storage(s3.settings);
  const { url, pool, ctx, dataDir } = await createTestPipeline({ storage: () => storage });
  const scratch = new Scratch(path.join(dataDir, "worker-scratch"), 64 * 1024 * 1024);
  await startTestWorker(url, path.join(dataDir, "worker-data"), { storage, scratch });

  it("turns a clip into a playable MP4 in the bucket; the worker's disk keeps nothing", { timeout: 120_000 }, async () => {
    const clip = await makeClip({ path: path.join(dataDir, "clip.mp4"), seconds: 2, width: 320, height: 240, fps: 30, audio: true });
    const upload = path.join(dataDir, "upload.part");
    await copyFile(clip, upload);
    const { id } = await createVideo(ctx, { tempPath: upload, originalName: "clip.mp4", sizeBytes: 1 });
    const status = await waitFor(async () => {
      const s = await videoStatus(pool, id);
      return s === "completed" || s === "failed" ? s : null;
    }, { timeoutMs: 90_000, what: "the video to finish" });
    const { rows: stages } = await pool.query(`SELECT name, status, error FROM video_stages WHERE video_id = $1 ORDER BY name`, [id]);
    expect(status, JSON.stringify(stages)).toBe("completed");

    const keys = videoKeys(id);
    // 60 frames in two packs (32 + 28).
    expect(await storage.usage(keys.framesPrefix)).toMatchObject({ objects: 2 });
    // The enhanced frames: one pack per claim, each named by its frames' rows.
    const { rows: named } = await pool.query<{ n: number }>(`SELECT count(DISTINCT result_pack)::int AS n FROM frame_executions WHERE video_id = $1 AND status = 'succeeded'`, [id]);
    expect(named[0]!.n).toBeLessThan(60);
    expect(await storage.usage(keys.enhancedPrefix)).toMatchObject({ objects: named[0]!.n });
    expect(await storage.head(keys.audio)).not.toBeNull();
    expect(await storage.head(keys.thumbnail("poster.webp"))).not.toBeNull();
    const output = path.join(dataDir, "output.mp4");
    await writeFile(output, (await storage.get(keys.output))!);
    const info = await inspectFile(output);
    expect(info.video).toMatchObject({ width: 320, height: 240, frames: 60 });
    expect(info.audio).not.toBeNull();
    expect(Math.abs(info.durationSec - 2)).toBeLessThanOrEqual(1 / 30 + 0.05);

    // Nothing of the video on local disk: not under DATA_DIR, not in scratch.
    expect(await readdir(path.join(dataDir, "videos")).catch(() => [])).toEqual([]);
    expect(await readdir(path.join(dataDir, "worker-data", "videos")).catch(() => [])).toEqual([]);
    expect(await scratch.usedBytes()).toBe(0);

    await deleteVideo(ctx, id);
    expect(await storage.usage(keys.prefix)).toEqual({ objects: 0, bytes: 0 });
  });

  it("records a re-claimed frame whose result object exists without calling the enhancer", async () => {
    const id = await seedEnhancingVideo(ctx, { frames: 2 });
    // A worker had PUT the pack of its result, then died before recording it.
    const deadPack = await storeResultsAndDie(pool, storage, id, [1]);
    const counter = countingEnhancer();
    await processFrameJobs({ ctx, workerId: "w", enhancer: counter.enhancer, leaseSeconds: 30, concurrency: 2 }, [0, 1].map((frameIndex) => ({ videoId: id, frameIndex })));
    expect(counter.calls.get(`${id}:1`)).toBeUndefined();
    expect(counter.calls.get(`${id}:0`)).toBe(1);
    // The worker of this file sweeps too: it may have released the lapsed
    // lease and be recording frame 1 itself. Either way no one calls an
    // enhancer for it (its call counter stays 0).
    await waitFor(async () => (await stageRow(ctx, id, "enhance")).status === "succeeded", { timeoutMs: 30_000, what: "the enhance stage to finish" });
    expect(await stageRow(ctx, id, "enhance")).toMatchObject({ status: "succeeded", succeeded: 2 });
    const { rows: calls } = await pool.query<{ frame_index: number; enhancer_calls: number }>(`SELECT frame_index, enhancer_calls FROM frame_executions WHERE video_id = $1 ORDER BY frame_index`, [id]);
    expect(calls).toEqual([{ frame_index: 0, enhancer_calls: 1 }, { frame_index: 1, enhancer_calls: 0 }]);
    const { rows: packs } = await pool.query<{ result_pack: string }>(`SELECT result_pack FROM frame_executions WHERE video_id = $1 ORDER BY frame_index`, [id]);
    expect(packs[1]!.result_pack).toBe(deadPack);
    expect(packs[0]!.result_pack).not.toBe(deadPack);
    for (const [i, { result_pack }] of packs.entries()) expect(await readResultFrame(storage, id, i, result_pack), `frame ${i}`).not.toBeNull();
  });
});
