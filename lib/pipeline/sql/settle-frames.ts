import "server-only";
import type { Db } from "@/lib/db/client";
import { COUNT_THROUGHPUT } from "./throughput-counters";

// Every settle statement is fenced: it changes a row only WHERE status is
// 'running' AND attempt_token is the token this worker got at claim time. A
// worker whose lease lapsed (and whose frame another worker re-claimed, with
// a new token) changes nothing: 0 rows.

export interface FrameOutcome {
  id: string;
  attemptToken: string;
}

export interface FinishedFrame extends FrameOutcome {
  /** The enhancer was called for it in this batch (false: its durable result was found in place). */
  called?: boolean;
  /** The pack of enhanced frames holding its result (null: stored alone). */
  pack?: string | null;
}

/**
 * Records finished frames of one video, and (issue 11: one statement per
 * batch, not two) the enhancer calls that finished them: each called frame's
 * own call count and the video's call counters (lib/pipeline/sql/call-counters.ts
 * explains them), with `recovered` results found in place. Returns how many
 * rows this worker still owned, how many frames of the video are left
 * pending or running after it (for the fan-in check), and the called frames
 * it no longer owned (fenced out): their calls were still paid for, and the
 * caller records them with recordCalls.
 */
export async function completeFrames(
  db: Db,
  videoId: string,
  frames: FinishedFrame[],
  outputKind: "enhanced" | "original" = "enhanced",
  recovered = 0,
): Promise<{ completed: number; leftOpen: number | null; uncounted: string[] }> {
  if (frames.length === 0) return { completed: 0, leftOpen: null, uncounted: [] };
  const { rows } = await db.query<{ n: number; left_open: number; uncounted: string[] | null }>(
    `WITH input AS (
       SELECT * FROM unnest($2::bigint[], $3::uuid[], $5::boolean[], $7::text[]) AS i(id, token, called, pack)
     ), done AS (
       UPDATE frame_executions f
          SET status = 'succeeded', output_kind = $4, result_pack = i.pack, lease_expires_at = NULL,
              enhancer_calls = f.enhancer_calls + i.called::int,
              finished_at = now(), updated_at = now()
         FROM input i
        WHERE f.id = i.id AND f.attempt_token = i.token AND f.status = 'running' AND f.video_id = $1
       RETURNING f.id, i.called, i.called AND f.enhancer_calls > 1 AS repeated
     ), n AS (
       SELECT count(*)::int AS n, count(*) FILTER (WHERE called)::int AS calls, count(*) FILTER (WHERE repeated)::int AS repeated FROM done
     ), calls AS (
       INSERT INTO enhancer_call_counts AS c (video_id, calls, succeeded, repeated, skipped_recovered)
       SELECT $1, n.calls, n.calls, n.repeated, $6::int FROM n WHERE n.calls > 0 OR $6::int > 0
       ON CONFLICT (video_id) DO UPDATE
          SET calls = c.calls + excluded.calls, succeeded = c.succeeded + excluded.succeeded,
              repeated = c.repeated + excluded.repeated, skipped_recovered = c.skipped_recovered + excluded.skipped_recovered,
              updated_at = now()
     ), throughput AS (
       -- Runs after the main UPDATE (an unreferenced CTE runs last), so the
       -- stage row is always locked before the counter row: no lock-order
       -- deadlock with failFrames, which does the same.
       ${COUNT_THROUGHPUT("(SELECT n FROM n)", "0", "$4 <> 'original'")}
     )
     UPDATE video_stages s
        SET running = s.running - n.n, succeeded = s.succeeded + n.n, updated_at = now()
       FROM n
      WHERE s.video_id = $1 AND s.name = 'enhance'
     RETURNING n.n, s.pending + s.running AS left_open,
               (SELECT array_agg(i.id::text) FROM input i WHERE i.called AND i.id NOT IN (SELECT id FROM done)) AS uncounted`,
    [videoId, frames.map((f) => f.id), frames.map((f) => f.attemptToken), outputKind, frames.map((f) => f.called ?? false), recovered, frames.map((f) => f.pack ?? null)],
  );
  return { completed: rows[0]?.n ?? 0, leftOpen: rows[0]?.left_open ?? null, uncounted: rows[0]?.uncounted ?? [] };
}

export interface FrameFailure extends FrameOutcome {
  /** Error metadata (class, message, HTTP status, excerpt, retryable, attempt, worker, timings). */
  error: Record<string, unknown>;
  fingerprint: string;
  /** When set, the frame goes back to pending and becomes claimable at this time; else it fails for good. */
  retryAt: Date | null;
  startedAt: Date;
  durationMs: number;
  workerId: string;
}

/**
 * Records failed attempts: the last error on the row, one frame_attempts row
 * each (the history), and either a scheduled retry (pending + retry_at) or a
 * final failure. Returns the frames this worker still owned, with what
 * happened to them.
 */
export async function failFrames(db: Db, videoId: string, failures: FrameFailure[]): Promise<{ frameIndex: number; final: boolean }[]> {
  if (failures.length === 0) return [];
  const { rows } = await db.query<{ frame_index: number; final: boolean }>(
    `WITH input AS (
       SELECT * FROM unnest($2::bigint[], $3::uuid[], $4::jsonb[], $5::text[], $6::timestamptz[], $7::timestamptz[], $8::int[], $9::text[])
         AS i(id, token, error, fingerprint, retry_at, started_at, duration_ms, worker_id)
     ), settled AS (
       UPDATE frame_executions f
          SET status = CASE WHEN i.retry_at IS NULL THEN 'failed'::frame_status ELSE 'pending'::frame_status END,
              retry_at = i.retry_at, last_error = i.error, error_fingerprint = i.fingerprint,
              lease_expires_at = NULL, updated_at = now(),
              finished_at = CASE WHEN i.retry_at IS NULL THEN now() ELSE NULL END
         FROM input i
        WHERE f.id = i.id AND f.attempt_token = i.token AND f.status = 'running' AND f.video_id = $1
       RETURNING f.id, f.frame_index, f.attempts, (i.retry_at IS NULL) AS final, i.error, i.started_at, i.duration_ms, i.worker_id
     ), history AS (
       INSERT INTO frame_attempts (frame_id, video_id, frame_index, attempt, worker_id, error, started_at, duration_ms)
       SELECT id, $1, frame_index, attempts, worker_id, error, started_at, duration_ms FROM settled
     ), counted AS (
       UPDATE video_stages s
          SET running = s.running - d.total,
              failed = s.failed + d.final,
              pending = s.pending + (d.total - d.final),
              updated_at = now()
         FROM (SELECT count(*)::int AS total, count(*) FILTER (WHERE final)::int AS final FROM settled) d
        WHERE s.video_id = $1 AND s.name = 'enhance' AND d.total > 0
       RETURNING d.total
     ), throughput AS (
       -- One failed attempt per settled row (the history rows above). Reads
       -- \`counted\`, so the stage row is locked before the counter row, the
       -- order completeFrames takes them in.
       ${COUNT_THROUGHPUT("0", "(SELECT total FROM counted)", "EXISTS (SELECT 1 FROM counted)")}
     )
     SELECT frame_index, final FROM settled`,
    [
      videoId,
      failures.map((f) => f.id),
      failures.map((f) => f.attemptToken),
      failures.map((f) => JSON.stringify(f.error)),
      failures.map((f) => f.fingerprint),
      failures.map((f) => f.retryAt),
      failures.map((f) => f.startedAt),
      failures.map((f) => f.durationMs),
      failures.map((f) => f.workerId),
    ],
  );
  return rows.map((r) => ({ frameIndex: r.frame_index, final: r.final }));
}

/**
 * Hands claimed frames back without counting an attempt: the enhancer was
 * never called (rate limit, concurrency cap, open breaker, Retry-After, or
 * the worker is shutting down). The frame becomes claimable at `retryAt`.
 */
export async function deferFrames(db: Db, videoId: string, frames: FrameOutcome[], retryAt: Date | null): Promise<number[]> {
  if (frames.length === 0) return [];
  const { rows } = await db.query<{ frame_index: number }>(
    `WITH input AS (
       SELECT * FROM unnest($2::bigint[], $3::uuid[]) AS i(id, token)
     ), deferred AS (
       UPDATE frame_executions f
          SET status = 'pending', attempts = f.attempts - 1, retry_at = $4, lease_expires_at = NULL,
              worker_id = NULL, updated_at = now()
         FROM input i
        WHERE f.id = i.id AND f.attempt_token = i.token AND f.status = 'running' AND f.video_id = $1
       RETURNING f.frame_index
     ), counted AS (
       UPDATE video_stages s
          SET running = s.running - d.n, pending = s.pending + d.n, updated_at = now()
         FROM (SELECT count(*)::int AS n FROM deferred) d
        WHERE s.video_id = $1 AND s.name = 'enhance' AND d.n > 0
     )
     SELECT frame_index FROM deferred`,
    [videoId, frames.map((f) => f.id), frames.map((f) => f.attemptToken), retryAt],
  );
  return rows.map((r) => r.frame_index);
}

/** Heartbeat: pushes the lease of frames still owned (token matches) further out. */
export async function extendLeases(db: Db, frames: FrameOutcome[], leaseSeconds: number): Promise<number> {
  if (frames.length === 0) return 0;
  const { rowCount } = await db.query(
    `UPDATE frame_executions f
        SET lease_expires_at = now() + make_interval(secs => $3)
       FROM unnest($1::bigint[], $2::uuid[]) AS i(id, token)
      WHERE f.id = i.id AND f.attempt_token = i.token AND f.status = 'running'`,
    [frames.map((f) => f.id), frames.map((f) => f.attemptToken), leaseSeconds],
  );
  return rowCount ?? 0;
}
