import type { Queryable } from "@/lib/enhance/sql/transaction";
import { readEnhancerState } from "@/lib/enhance/sql/read-enhancer-state";
import type { BreakerState } from "@/lib/enhance/admission";
import type { EnhancerLimits } from "@/lib/enhance/limits";
import { FRAME_STATUSES } from "@/lib/pipeline/queries/frames";
import { countOnlineWorkers, queueDepths, type QueueDepth } from "@/lib/pipeline/queries/ops";
import type { FrameStatus, VideoStatus } from "@/lib/pipeline/stages";
import { getCallCostTotals, type CallCosts } from "@/lib/pipeline/queries/costs";

// What /api/metrics reports, read from the database on each scrape: the
// truth is in PostgreSQL and shared by every process, so any web instance
// answers for the whole fleet (no per-process counters to add up).

export { FRAME_STATUSES };
export const VIDEO_STATUSES: readonly VideoStatus[] = ["queued", "processing", "completed", "failed", "canceled"];

export interface MetricsSnapshot {
  frames: Record<FrameStatus, number>;
  videos: Record<VideoStatus, number>;
  queues: QueueDepth[];
  breakerState: BreakerState;
  windowFailures: number;
  workersOnline: number;
  permitsInUse: number;
  tokens: number;
  limits: { ratePerSec: number; concurrency: number };
  /** Enhancer calls and the calls idempotency saved, all videos ever (issue 12). */
  calls: CallCosts;
}

export async function readMetricsSnapshot(db: Queryable, limits: EnhancerLimits, costPerCall?: number): Promise<MetricsSnapshot> {
  const [frames, videos, queues, enhancer, workersOnline, calls] = await Promise.all([
    // The enhance stage's counters move in the same statements as the frame
    // rows, so their sums are exact without counting 108,000 rows per video.
    db.query<Record<FrameStatus, number>>(
      `SELECT coalesce(sum(pending), 0)::float8 AS pending, coalesce(sum(running), 0)::float8 AS running,
              coalesce(sum(succeeded), 0)::float8 AS succeeded, coalesce(sum(failed), 0)::float8 AS failed
         FROM video_stages WHERE name = 'enhance'`,
    ),
    db.query<{ status: VideoStatus; n: number }>(`SELECT status, count(*)::float8 AS n FROM videos GROUP BY status`),
    queueDepths(db),
    readEnhancerState(db, limits),
    countOnlineWorkers(db),
    getCallCostTotals(db, costPerCall),
  ]);
  const byStatus = Object.fromEntries(videos.rows.map((r) => [r.status, r.n]));
  return {
    frames: frames.rows[0]!,
    videos: Object.fromEntries(VIDEO_STATUSES.map((s) => [s, byStatus[s] ?? 0])) as Record<VideoStatus, number>,
    queues,
    breakerState: enhancer.breakerState,
    windowFailures: enhancer.windowFailures,
    workersOnline,
    permitsInUse: enhancer.permitsInUse,
    tokens: enhancer.tokens,
    limits: { ratePerSec: limits.ratePerSec, concurrency: limits.concurrency },
    calls,
  };
}
