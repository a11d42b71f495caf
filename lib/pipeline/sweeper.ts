import { transaction } from "@/lib/db/client";
import { sendFrameJobs } from "@/lib/queue/boss";
import type { PipelineContext } from "./context";
import { finishEnhanceWhenDone } from "./flow";
import { sweepOrphanFolders } from "./orphan-folders";
import { releaseExpiredLeases, touchOverdueRetries } from "./sql/requeue-frames";

// Any constant; the same in every worker, so one sweep runs at a time fleet-wide.
const SWEEP_LOCK_KEY = 72_261_002;

export interface SweepResult {
  ran: boolean;
  released: number;
  failedForGood: number;
  resent: number;
  stagesFinished: number;
  /** Folders of deleted videos removed. */
  orphanFolders: number;
}

/**
 * The sidecar. Every worker calls it on a timer; a transaction-level advisory
 * lock lets one of them do the work at a time. It returns frames whose lease
 * lapsed to the queue (their worker died or stalled), re-sends jobs for
 * retries nobody picked up, and finishes enhance stages whose fan-in was
 * missed (a crash between settling the last frame and the fan-in). Given a
 * grace, it also removes the folders of videos whose row is gone.
 */
export async function sweep(ctx: PipelineContext, opts: { overdueGraceSeconds: number; orphanFolderGraceSeconds?: number }): Promise<SweepResult> {
  const result = await transaction(ctx.pool, async (tx) => {
    const { rows } = await tx.query<{ locked: boolean }>(`SELECT pg_try_advisory_xact_lock($1) AS locked`, [SWEEP_LOCK_KEY]);
    if (!rows[0]?.locked) return null;
    const released = await releaseExpiredLeases(tx);
    const overdue = await touchOverdueRetries(tx, opts.overdueGraceSeconds);
    const jobs = [...released.filter((r) => !r.final), ...overdue].map(({ videoId, frameIndex }) => ({ videoId, frameIndex }));
    await sendFrameJobs(ctx.boss, jobs, { client: tx });
    await tx.query(`DELETE FROM sessions WHERE expires_at < now()`);
    return { released: released.length, failedForGood: released.filter((r) => r.final).length, resent: jobs.length };
  });
  if (!result) return { ran: false, released: 0, failedForGood: 0, resent: 0, stagesFinished: 0, orphanFolders: 0 };
  const { rows: stuck } = await ctx.pool.query<{ video_id: string }>(
    `SELECT video_id::text FROM video_stages WHERE name = 'enhance' AND status = 'running' AND pending = 0 AND running = 0`,
  );
  let stagesFinished = 0;
  for (const { video_id } of stuck) if (await finishEnhanceWhenDone(ctx, video_id)) stagesFinished++;
  const orphanFolders = opts.orphanFolderGraceSeconds === undefined ? 0 : (await sweepOrphanFolders(ctx, { graceSeconds: opts.orphanFolderGraceSeconds })).length;
  return { ran: true, ...result, stagesFinished, orphanFolders };
}
