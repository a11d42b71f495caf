import "server-only";
import type pg from "pg";
import { readEnhancerState } from "@/lib/enhance/sql/read-enhancer-state";

/**
 * Why a video's frames are not being enhanced right now, and until when:
 * the fleet-wide breaker is open (until its next probe), the service asked
 * the fleet to wait (Retry-After), or every frame left is waiting for its own
 * retry time. Null while calls flow. The video page shows it so that an
 * operator looking at a flat chart knows it is waiting, not stuck.
 */
export interface CallPause {
  reason: "breaker" | "retry_after" | "frame_retries";
  /** ISO time; null when it cannot be known (a probe is out). */
  until: string | null;
  message: string;
}

// Only asked while nothing of the video is running, so it does not cost a
// poll anything in the common case. The pending rows of one video are
// reached through (video_id, status, frame_index).
const FRAME_RETRIES = `
  SELECT min(retry_at) AS next_retry,
         count(*) FILTER (WHERE retry_at IS NULL OR retry_at <= now())::int AS due
    FROM frame_executions
   WHERE video_id = $1 AND status = 'pending'`;

export async function readCallPause(db: pg.Pool | pg.PoolClient, videoId: string, enhance: { status: string; pending: number; running: number } | undefined): Promise<CallPause | null> {
  if (!enhance || enhance.status !== "running" || enhance.pending === 0) return null;
  const state = await readEnhancerState(db);
  if (state.breakerState !== "closed") {
    const until = state.probeInFlight ? null : state.nextProbeAt;
    return {
      reason: "breaker",
      until: until?.toISOString() ?? null,
      message: state.probeInFlight
        ? "Calls to the enhancement service are paused: the circuit breaker is testing it with one call."
        : "Calls to the enhancement service are paused: the circuit breaker is open after failures across several frames.",
    };
  }
  if (state.pausedUntil) {
    return { reason: "retry_after", until: state.pausedUntil.toISOString(), message: "The enhancement service asked for a pause (Retry-After)." };
  }
  if (enhance.running > 0) return null;
  const { rows } = await db.query<{ next_retry: Date | null; due: number }>(FRAME_RETRIES, [videoId]);
  const r = rows[0];
  if (!r || r.due > 0 || !r.next_retry) return null;
  return { reason: "frame_retries", until: r.next_retry.toISOString(), message: "Every frame left is waiting for its retry after a failed attempt." };
}
