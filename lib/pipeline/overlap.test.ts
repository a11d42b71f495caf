import { copyFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Storage } from "@/lib/storage/storage";
import { makeClip } from "@/test/support/clips";
import { createTestPipeline, startTestWorker } from "@/test/support/pipeline";
import { jobCount, stageRow } from "@/test/support/seed";
import { waitFor } from "@/test/support/wait";
import { createVideo } from "./commands";
import type { PipelineContext } from "./context";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { getVideo } from "./queries/videos";
import { FRAME_BATCH, runPreprocess } from "./runners/preprocess";

// Issue 11: frames become claimable while extraction is still running, and
// a preprocess run again after a crash adds no row or job twice.
describe("enhance overlapping extraction", async () => {
  const { url, pool, ctx, dataDir } = await createTestPipeline();
  const db = new PrismaClient({ adapter: new PrismaPg(pool) });
  // Preprocess is not served: each test runs it itself, with storage it controls.
  await startTestWorker(url, dataDir, { queues: ["enhance", "thumbnails", "captions", "encode"], thumbnailCount: 2 });
  const FRAMES = 150;
  const clip = await makeClip({ path: path.join(dataDir, "clip.mp4"), seconds: FRAMES / 30, width: 160, height: 120, fps: 30, audio: false });

  /** A new video whose preprocess stage is running, with no worker serving preprocess: the test runs it. */
  const upload = async () => {
    const file = path.join(dataDir, `upload-${Math.random().toString(36).slice(2)}.part`);
    await copyFile(clip, file);
    return (await createVideo(ctx, { tempPath: file, originalName: "clip.mp4", sizeBytes: 1 })).id;
  };
  /** The context with storage whose puts of frame packs from frame `from` on wait for `gate` (or fail with its rejection). */
  const gated = (from: number, gate: Promise<void>): PipelineContext => {
    const storage: Storage = { ...ctx.storage, put: async (key, body, type) => {
      const frame = /frames\/(\d+)\.pack$/.exec(key);
      if (frame && Number(frame[1]) >= from) await gate;
      return ctx.storage.put(key, body, type);
    } };
    return { ...ctx, storage };
  };
  const frameRows = async (id: string) =>
    (await pool.query<{ n: number; distinct: number; succeeded: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT frame_index)::int AS distinct, count(*) FILTER (WHERE status = 'succeeded')::int AS succeeded FROM frame_executions WHERE video_id = $1`,
      [id],
    )).rows[0]!;

  /** Frames listed by the video's enhance jobs (runs, or old one-frame jobs), counted with and without repeats. */
  const framesSent = async (id: string) =>
    (await pool.query<{ listed: number; distinct: number }>(
      `SELECT count(*)::int AS listed, count(DISTINCT f)::int AS distinct
         FROM pgboss.job j,
              LATERAL jsonb_array_elements_text(coalesce(j.data->'frameIndexes', jsonb_build_array(j.data->'frameIndex'))) AS f
        WHERE j.name = 'enhance' AND j.data->>'videoId' = $1`,
      [id],
    )).rows[0]!;

  it("a preprocess run again after a failed attempt adds no row or job twice", { timeout: 120_000 }, async () => {
    // Jobs stay in pgboss.job once done: every one sent is counted.
    const clean = await upload();
    await runPreprocess(ctx, clean);
    const crashed = await upload();
    // Frames from 2 * FRAME_BATCH on wait, then fail, once the first ones are claimable.
    let fail: (error: Error) => void = () => {};
    const failing = new Promise<void>((_, reject) => (fail = reject));
    failing.catch(() => {});
    const attempt = runPreprocess(gated(2 * FRAME_BATCH, failing), crashed);
    const before = await waitFor(async () => ((await frameRows(crashed)).n >= FRAME_BATCH ? (await frameRows(crashed)).n : null), { timeoutMs: 30_000, what: "the first batch of rows" });
    fail(new Error("disk gone"));
    await expect(attempt).rejects.toThrow("disk gone");
    expect((await frameRows(crashed)).n).toBeGreaterThanOrEqual(before);
    expect((await frameRows(crashed)).n).toBeLessThanOrEqual(2 * FRAME_BATCH);
    await runPreprocess(ctx, crashed);
    for (const id of [clean, crashed]) {
      expect(await frameRows(id)).toMatchObject({ n: FRAMES, distinct: FRAMES });
      expect(await stageRow(ctx, id, "enhance")).toMatchObject({ total: FRAMES });
      expect(await stageRow(ctx, id, "preprocess")).toMatchObject({ status: "succeeded" });
    }
    // Jobs carry runs of frames, split where the batches fell, so the two
    // videos' job counts differ; the frames sent must not.
    const sent = await framesSent(crashed);
    expect(sent).toEqual(await framesSent(clean));
    expect(sent).toEqual({ listed: FRAMES, distinct: FRAMES });
    expect(await jobCount(ctx, "enhance", clean)).toBeGreaterThan(0);
  });

  it("the first frames are enhanced while extraction is still running; the stage finishes only after it", { timeout: 120_000 }, async () => {
    {
      const id = await upload();
      let release: () => void = () => {};
      const gate = new Promise<void>((resolve) => (release = resolve));
      const preprocess = runPreprocess(gated(2 * FRAME_BATCH, gate), id);
      await waitFor(async () => (await frameRows(id)).succeeded >= FRAME_BATCH, { timeoutMs: 60_000, what: "the first batch enhanced during extraction" });
      expect(await stageRow(ctx, id, "preprocess")).toMatchObject({ status: "running" });
      // Every frame with a row done: nothing pending or running, yet the stage waits for the rest.
      const rows = await waitFor(async () => {
        const r = await frameRows(id);
        return r.succeeded === r.n ? r : null;
      }, {
        timeoutMs: 60_000,
        what: "the frames extracted so far enhanced",
        describe: async () => JSON.stringify({ rows: await frameRows(id), enhance: await stageRow(ctx, id, "enhance") }),
      });
      expect(rows.n).toBeLessThanOrEqual(2 * FRAME_BATCH);
      await new Promise((r) => setTimeout(r, 1500)); // a sweep (every second) must not finish it either
      expect(await stageRow(ctx, id, "enhance")).toMatchObject({ status: "running", total: rows.n, pending: 0, running: 0 });
      // The API says the total is not known yet, and measures progress against the estimate.
      const view = (await getVideo(db, id)).stages.find((s) => s.name === "enhance")!;
      expect(view).toMatchObject({ totalFinal: false, totalEstimate: FRAMES, total: rows.n });
      expect(view.progress).toBeCloseTo(rows.n / FRAMES, 5);
      release();
      await preprocess;
      await waitFor(async () => ((await stageRow(ctx, id, "encode"))?.status === "succeeded" ? true : null), { timeoutMs: 90_000, what: "the video to complete" });
      expect(await stageRow(ctx, id, "enhance")).toMatchObject({ status: "succeeded", total: FRAMES, succeeded: FRAMES });
      expect(await frameRows(id)).toMatchObject({ n: FRAMES, distinct: FRAMES, succeeded: FRAMES });
      const done = (await getVideo(db, id)).stages.find((s) => s.name === "enhance")!;
      expect(done).toMatchObject({ totalFinal: true, total: FRAMES, progress: 1 });
    }
  });
});
