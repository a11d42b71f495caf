import { copyFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createVideo } from "@/lib/pipeline/commands";
import { makeClip } from "./support/clips";
import { createTestPipeline, startTestWorker, videoStatus } from "./support/pipeline";
import { stageRow } from "./support/seed";
import { waitFor } from "./support/wait";

// WORKER_QUEUES: workers that serve only some stages (enhance on GPU
// machines, encode on CPU machines). A stage no running worker serves waits
// in its queue; a worker that serves it picks it up.

describe("per-stage workers", async () => {
  const { url, pool, ctx, dataDir } = await createTestPipeline();

  it("a video goes through a preprocess-only worker, an enhance-only worker, then a worker for the rest", { timeout: 120_000 }, async () => {
    await startTestWorker(url, dataDir, { queues: ["preprocess"] });
    const enhancer = await startTestWorker(url, dataDir, { queues: ["enhance"] });
    const clip = await makeClip({ path: path.join(dataDir, "stages.mp4"), seconds: 1, width: 160, height: 120, fps: 10, audio: false });
    const upload = path.join(dataDir, "stages.part");
    await copyFile(clip, upload);
    const { id } = await createVideo(ctx, { tempPath: upload, originalName: "stages.mp4", sizeBytes: 1 });

    await waitFor(async () => ((await stageRow(ctx, id, "enhance")).status === "succeeded" ? true : null), { timeoutMs: 60_000, what: "enhance to succeed" });
    const { rows: by } = await pool.query<{ worker_id: string; n: number }>(`SELECT worker_id, count(*)::int AS n FROM frame_executions WHERE video_id = $1 GROUP BY worker_id`, [id]);
    expect(by).toEqual([{ worker_id: enhancer.id, n: 10 }]);
    // encode and thumbnails are queued, and no running worker serves them.
    await waitFor(async () => ((await pool.query(`SELECT 1 FROM pgboss.job WHERE name = 'encode' AND data->>'videoId' = $1 AND state = 'created'`, [id])).rowCount ? true : null), {
      what: "the encode job to be queued",
    });
    expect((await stageRow(ctx, id, "encode")).status).not.toBe("succeeded");
    expect(await videoStatus(pool, id)).toBe("processing");

    await startTestWorker(url, dataDir, { queues: ["thumbnails", "captions", "encode"] });
    await waitFor(async () => ((await videoStatus(pool, id)) === "completed" ? true : null), { timeoutMs: 60_000, what: "the video to complete" });
  });
});
