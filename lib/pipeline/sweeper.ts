import "server-only";
import { transaction } from "@/lib/db/client";
import { sendFrameJobs } from "@/lib/queue/boss";
import type { PipelineContext } from "./context";
import { finishEnhanceWhenDone } from "./flow";
import { sweepOrphanFolders } from "./orphan-folders";
import { deleteExpiredSessions } from "@/lib/auth/sessions";
import { releaseExpiredLeases, touchOverdueRetries } from "./sql/sweep-frames";
import { enhanceStagesAwaitingFanIn } from "./sql/stage-rows";
import { tryTakeSweepLock } from "./sql/sweep-lock";
import { pruneThroughputCounters } from "./sql/throughput-counters";


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
    if (!(await tryTakeSweepLock(tx))) return null;
    const released = await releaseExpiredLeases(tx);
    const overdue = await touchOverdueRetries(tx, opts.overdueGraceSeconds);
    const jobs = [...released.filter((r) => !r.final), ...overdue].map(({ videoId, frameIndex }) => ({ videoId, frameIndex }));
    await sendFrameJobs(ctx.boss, jobs, { client: tx });
    await deleteExpiredSessions(tx);
    // Throughput counters older than the longest chart window: a range delete on their bucket index.
    await pruneThroughputCounters(tx);
    return { released: released.length, failedForGood: released.filter((r) => r.final).length, resent: jobs.length };
  });
  if (!result) return { ran: false, released: 0, failedForGood: 0, resent: 0, stagesFinished: 0, orphanFolders: 0 };
  let stagesFinished = 0;
  for (const videoId of await enhanceStagesAwaitingFanIn(ctx.pool)) if (await finishEnhanceWhenDone(ctx, videoId)) stagesFinished++;
  const orphanFolders = opts.orphanFolderGraceSeconds === undefined ? 0 : (await sweepOrphanFolders(ctx, { graceSeconds: opts.orphanFolderGraceSeconds })).length;
  return { ran: true, ...result, stagesFinished, orphanFolders };
}
