import { unlinkSync, copyFileSync } from "node:fs";
import path from "node:path";
import type pg from "pg";
import { describe, expect, it } from "vitest";
import { countingEnhancer } from "@/test/support/enhancers";
import { createTestPipeline } from "@/test/support/pipeline";
import { seedEnhancingVideo, stageRow } from "@/test/support/seed";
import { videoKeys } from "@/lib/storage/keys";
import { processFrameJobs } from "./frame-engine";
import { retryStages } from "./retry-stages";
import { runEncode } from "./runners/encode";
import { runStageAttempt } from "./stage-run";
import { STAGE_ATTEMPT_LIMIT } from "./outcome";

/** A pool whose statements containing `marker` fail as a dropped connection would, `times` times. */
function blipping(pool: pg.Pool, marker: string, times: number): pg.Pool {
  let left = times;
  return new Proxy(pool, {
    get(target, prop, receiver) {
      if (prop !== "query") return Reflect.get(target, prop, receiver);
      return (text: unknown, ...rest: unknown[]) => {
        if (left > 0 && typeof text === "string" && text.includes(marker)) {
          left--;
          return Promise.reject(Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" }));
        }
        return (target.query as (...a: unknown[]) => unknown).call(target, text, ...rest);
      };
    },
  }) as pg.Pool;
}

describe("stage runs: retried when transient, failed with the reason when not, retried by an operator", async () => {
  const { ctx: base } = await createTestPipeline();
  const ctx = { ...base, stageRetryBaseMs: 10 };
  const jobs = async (videoId: string, queue: string) =>
    (await ctx.pool.query(`SELECT data, start_after FROM pgboss.job WHERE name = $1 AND data->>'videoId' = $2 ORDER BY created_on`, [queue, videoId])).rows;

  /** A video with every frame enhanced and its encode stage started. */
  async function enhanced(frames = 6) {
    const id = await seedEnhancingVideo(ctx, { frames });
    const counter = countingEnhancer();
    await processFrameJobs({ ctx, workerId: "w", enhancer: counter.enhancer, leaseSeconds: 30, concurrency: 4 }, Array.from({ length: frames }, (_, frameIndex) => ({ videoId: id, frameIndex })));
    expect(await stageRow(ctx, id, "encode")).toMatchObject({ status: "running" });
    return { id, counter };
  }

  it("a database blip during encode is retried later by a new job, and the next run encodes the video", async () => {
    const { id } = await enhanced();
    const blip = { ...ctx, pool: blipping(ctx.pool, "fps_num, fps_den, frame_count", 1) };
    await runStageAttempt(blip, "encode", runEncode, { videoId: id, attempt: 1 });
    const row = await stageRow(ctx, id, "encode");
    expect(row.status).toBe("running");
    expect(row.error).toMatchObject({ code: "57P01", attempt: 1 });
    expect(row.error.retryAt).toBeTruthy();
    const encodeJobs = await jobs(id, "encode");
    expect(encodeJobs.map((j) => j.data.attempt ?? 1)).toEqual([1, 2]);
    expect(encodeJobs[1].start_after.getTime()).toBeGreaterThan(Date.now() - 60_000);

    await runStageAttempt(ctx, "encode", runEncode, { videoId: id, attempt: 2 });
    expect(await stageRow(ctx, id, "encode")).toMatchObject({ status: "succeeded", error: null });
  });

  it("a transient error on the last allowed attempt fails the stage with its reason", async () => {
    const { id } = await enhanced(2);
    const blip = { ...ctx, pool: blipping(ctx.pool, "fps_num, fps_den, frame_count", 1) };
    await runStageAttempt(blip, "encode", runEncode, { videoId: id, attempt: STAGE_ATTEMPT_LIMIT });
    expect(await stageRow(ctx, id, "encode")).toMatchObject({ status: "failed", error: { code: "57P01", attempt: STAGE_ATTEMPT_LIMIT } });
    expect((await jobs(id, "encode")).length).toBe(1);
  });

  it("a permanent error fails at once; the operator's stage retry re-runs encode without re-enhancing a frame", async () => {
    const { id, counter } = await enhanced();
    // The pack holding frame 2's enhanced image goes missing.
    const { rows } = await ctx.pool.query(`SELECT result_pack FROM frame_executions WHERE video_id = $1 AND frame_index = 2`, [id]);
    const pack = path.join(ctx.dataDir, videoKeys(id).resultPack(rows[0].result_pack));
    copyFileSync(pack, `${pack}.bak`);
    unlinkSync(pack);
    await runStageAttempt(ctx, "encode", runEncode, { videoId: id, attempt: 1 });
    expect(await stageRow(ctx, id, "encode")).toMatchObject({ status: "failed", error: { code: "frames_missing", attempt: 1 } });
    expect((await jobs(id, "encode")).length).toBe(1);
    expect((await ctx.pool.query(`SELECT status FROM videos WHERE id = $1`, [id])).rows[0].status).toBe("failed");

    await expect(retryStages(ctx, id, ["thumbnails"])).rejects.toThrow(/Only failed stages can be retried: thumbnails is (running|pending|succeeded)/);
    copyFileSync(`${pack}.bak`, pack);
    expect(await retryStages(ctx, id, ["encode"])).toEqual({ requeued: 0, stages: ["encode"] });
    expect(await stageRow(ctx, id, "encode")).toMatchObject({ status: "running", error: null });
    expect((await ctx.pool.query(`SELECT status FROM videos WHERE id = $1`, [id])).rows[0].status).toBe("processing");
    expect((await jobs(id, "encode")).length).toBe(2);
    await runStageAttempt(ctx, "encode", runEncode, { videoId: id, attempt: 1 });
    expect(await stageRow(ctx, id, "encode")).toMatchObject({ status: "succeeded" });
    expect(counter.total()).toBe(6);
    expect((await ctx.pool.query(`SELECT count(*)::int AS n FROM frame_executions WHERE video_id = $1 AND attempts > 1`, [id])).rows[0].n).toBe(0);
  });
});
