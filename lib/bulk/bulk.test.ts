import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { prisma as appPrisma } from "@/lib/db/client";
import type { Actor } from "@/lib/audit/record";
import { finishEnhanceWhenDone } from "@/lib/pipeline/flow";
import { createTestPipeline, videoStatus } from "@/test/support/pipeline";
import { seedEnhancingVideo } from "@/test/support/seed";
import { createBulkOperation, getBulkOperation, resolveTargets, type BulkRequest } from "./operations";
import { runBulkOperation } from "./run-bulk";

describe("bulk actions", async () => {
  const { url, pool, ctx } = await createTestPipeline();
  process.env.DATABASE_URL = url;
  const actor: Actor = { kind: "user", id: randomUUID(), name: "ana@example.com", ip: "203.0.113.9" };
  const tag = randomUUID().slice(0, 8);

  /** A video whose enhance stage failed with `failed` frames (fingerprint per frame's group). */
  async function failedVideo(title: string, failed: number[], fingerprint = "http|503|busy"): Promise<string> {
    const id = await seedEnhancingVideo(ctx, { frames: 4, files: false });
    await pool.query(`UPDATE videos SET title = $2 WHERE id = $1`, [id, title]);
    await pool.query(
      `UPDATE frame_executions SET status = CASE WHEN frame_index = ANY($2) THEN 'failed'::frame_status ELSE 'succeeded'::frame_status END,
              error_fingerprint = CASE WHEN frame_index = ANY($2) THEN $3 END,
              last_error = CASE WHEN frame_index = ANY($2) THEN '{"errorClass":"http","httpStatus":503,"message":"busy"}'::jsonb END
        WHERE video_id = $1`,
      [id, failed, fingerprint],
    );
    await pool.query(`UPDATE video_stages SET total = 4, pending = 0, running = 0, succeeded = $2, failed = $3 WHERE video_id = $1 AND name = 'enhance'`, [id, 4 - failed.length, failed.length]);
    await finishEnhanceWhenDone(ctx, id);
    expect(await videoStatus(pool, id)).toBe("failed");
    return id;
  }
  async function start(request: BulkRequest) {
    const videoIds = await resolveTargets(appPrisma(), request);
    return { ...(await createBulkOperation(pool, ctx, { request, videoIds, actor })), videoIds };
  }

  it("retries the failed frames of every video matching a filter, skips the ones with nothing to retry, and says why", async () => {
    const a = await failedVideo(`${tag}-a`, [1, 2]);
    const b = await failedVideo(`${tag}-b`, [3], "timeout|-|slow");
    const other = await failedVideo("unrelated", [0]);
    const clean = await seedEnhancingVideo(ctx, { frames: 2, files: false });
    await pool.query(`UPDATE videos SET title = $2, status = 'completed' WHERE id = $1`, [clean, `${tag}-clean`]);

    const op = await start({ action: "retry_failed", filter: { q: tag, status: "failed" } });
    expect(new Set(op.videoIds)).toEqual(new Set([a, b]));
    expect(op.videoIds).not.toContain(other);
    expect(await getBulkOperation(pool, op.id)).toMatchObject({ status: "queued", total: 2, done: 0, skipped: 0 });
    // Queued for a worker, in the same transaction.
    expect((await pool.query(`SELECT 1 FROM pgboss.job WHERE name = 'bulk' AND data->>'bulkId' = $1`, [op.id])).rowCount).toBe(1);

    expect(await runBulkOperation(ctx, op.id)).toBe("completed");
    expect(await getBulkOperation(pool, op.id)).toMatchObject({ status: "completed", total: 2, done: 2, skipped: 0, errors: [] });
    const { rows: pending } = await pool.query<{ video_id: string; n: number }>(`SELECT video_id, count(*)::int AS n FROM frame_executions WHERE video_id = ANY($1) AND status = 'pending' GROUP BY video_id`, [[a, b]]);
    expect(Object.fromEntries(pending.map((r) => [r.video_id, r.n]))).toEqual({ [a]: 2, [b]: 1 });

    // Each video's history names the person, not "a bulk job".
    const { rows: audit } = await pool.query<{ video_id: string; actor: string; detail: { bulkId: string; requeued: number } }>(
      `SELECT video_id, actor, detail FROM audit_events WHERE action = 'video.retry' AND detail->>'bulkId' = $1 ORDER BY video_id`,
      [op.id],
    );
    expect(audit.map((r) => [r.video_id, r.actor, r.detail.requeued]).sort()).toEqual([[a, "ana@example.com", 2], [b, "ana@example.com", 1]].sort());

    // A repeated job finds the operation finished and changes nothing.
    expect(await runBulkOperation(ctx, op.id)).toBe("not_runnable");
    expect((await getBulkOperation(pool, op.id)).done).toBe(2);
  });

  it("retries one error group everywhere, and reports the videos without it as skipped", async () => {
    const a = await failedVideo(`${tag}-g1`, [0, 1], "http|422|bad");
    const b = await failedVideo(`${tag}-g2`, [2], "timeout|-|slow");
    const op = await start({ action: "retry_failed", ids: [a, b], fingerprint: "http|422|bad" });
    await runBulkOperation(ctx, op.id);
    const view = await getBulkOperation(pool, op.id);
    expect(view).toMatchObject({ total: 2, done: 1, skipped: 1 });
    expect(view.errors).toEqual([{ videoId: b, code: "nothing_to_retry", message: expect.stringContaining("No failed frames matched") }]);

    // "Everywhere": a filter with a group resolves to the videos that have failed frames in it.
    const c = await failedVideo(`${tag}-g3`, [3], "http|422|bad");
    expect(await resolveTargets(appPrisma(), { action: "retry_failed", filter: { q: tag }, fingerprint: "http|422|bad" })).toEqual([c]);
  });

  it("cancels what is running and skips what is finished; deletes; resumes where a dead worker stopped", async () => {
    const running = await seedEnhancingVideo(ctx, { frames: 2, files: false });
    const finished = await seedEnhancingVideo(ctx, { frames: 2, files: false });
    await pool.query(`UPDATE videos SET status = 'completed' WHERE id = $1`, [finished]);
    const cancel = await start({ action: "cancel", ids: [running, finished] });
    await runBulkOperation(ctx, cancel.id);
    expect(await getBulkOperation(pool, cancel.id)).toMatchObject({ done: 1, skipped: 1, errors: [{ videoId: finished, code: "video_finished" }] });
    expect(await videoStatus(pool, running)).toBe("canceled");

    const gone = randomUUID();
    const del = await start({ action: "delete", ids: [finished, running, gone] });
    // As if a worker had done the first video and died before the rest.
    await pool.query(`UPDATE bulk_operations SET status = 'running', position = 1, done = 1 WHERE id = $1`, [del.id]);
    await runBulkOperation(ctx, del.id);
    expect(await getBulkOperation(pool, del.id)).toMatchObject({ status: "completed", total: 3, done: 2, skipped: 1, errors: [{ videoId: gone, code: "video_not_found" }] });
    expect(await videoStatus(pool, running)).toBeUndefined();
    // Position 0 (finished) was counted by the "dead" worker and not touched again.
    expect(await videoStatus(pool, finished)).toBe("completed");
  });

  it("refuses an empty target set and a filter matching nothing", async () => {
    await expect(start({ action: "cancel", filter: { q: `nothing-${tag}-zz` } })).rejects.toMatchObject({ code: "no_videos" });
  });
});
