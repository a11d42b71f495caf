import "server-only";
import type { Db } from "@/lib/db/client";

// The enhancer-call counters (issue 12, "Cost and calls"). Calls are facts
// that happened whoever owns the frame now, so they are recorded in their own
// statement and not in the fenced settle statements: a worker whose lease
// lapsed still paid for its call, and the settle that records it would
// change 0 rows. The calls that finished frames are recorded by the
// completion statement itself (completeFrames in ./settle-frames.ts: one
// statement per batch instead of two, and a call is never recorded without
// its result or the other way round); the others (failed calls) here, before
// the settle, and so are the calls of frames the completion found fenced out.
// Every write is one batched statement per video and batch; readers sum one
// row per video.

export interface FrameCall {
  id: string;
  /** The enhancer returned a result (a failed, timed-out or 429 call is still a call made). */
  succeeded: boolean;
}

export interface BatchCalls {
  calls: FrameCall[];
  /** Re-claimed frames whose durable result existed: recorded without a call. */
  recovered: number;
}

/**
 * Records a batch's calls for one video: each called frame's own call count
 * goes up (a call to a frame already called is a repeated call, exactly,
 * whatever happened in between: deferrals, lapsed leases, operator retries),
 * and the video's counter row moves by the batch's totals.
 */
export async function recordCalls(db: Db, videoId: string, batch: BatchCalls): Promise<void> {
  if (batch.calls.length === 0 && batch.recovered === 0) return;
  await db.query(
    `WITH input AS (
       SELECT * FROM unnest($2::bigint[], $3::boolean[]) AS i(id, ok)
     ), called AS (
       UPDATE frame_executions f
          SET enhancer_calls = f.enhancer_calls + 1
         FROM input i
        WHERE f.id = i.id AND f.video_id = $1
       RETURNING i.ok, f.enhancer_calls > 1 AS repeated
     )
     INSERT INTO enhancer_call_counts AS c (video_id, calls, succeeded, repeated, skipped_recovered)
     SELECT $1, count(*), count(*) FILTER (WHERE ok), count(*) FILTER (WHERE repeated), $4 FROM called
     ON CONFLICT (video_id) DO UPDATE
        SET calls = c.calls + excluded.calls, succeeded = c.succeeded + excluded.succeeded,
            repeated = c.repeated + excluded.repeated, skipped_recovered = c.skipped_recovered + excluded.skipped_recovered,
            updated_at = now()`,
    [videoId, batch.calls.map((c) => c.id), batch.calls.map((c) => c.succeeded), batch.recovered],
  );
}

/**
 * Counts frame jobs delivered for frames whose result was already recorded
 * (duplicate deliveries, retries and re-runs that reached a finished frame):
 * each is a call idempotency saved. Called only when a claim took fewer
 * frames than it was asked for, so the common path costs nothing; the read
 * goes through the (video_id, frame_index) index.
 */
export async function countSkippedDeliveries(db: Db, videoId: string, frameIndexes: number[]): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `WITH skipped AS (
       SELECT count(*)::int AS n FROM frame_executions
        WHERE video_id = $1 AND frame_index = ANY($2::int[]) AND status = 'succeeded'
     ), counted AS (
       INSERT INTO enhancer_call_counts AS c (video_id, skipped_delivered)
       SELECT $1, n FROM skipped WHERE n > 0
       ON CONFLICT (video_id) DO UPDATE
          SET skipped_delivered = c.skipped_delivered + excluded.skipped_delivered, updated_at = now()
     )
     SELECT n FROM skipped`,
    [videoId, frameIndexes],
  );
  return rows[0]?.n ?? 0;
}

export interface CallCounts {
  calls: number;
  succeeded: number;
  repeated: number;
  skippedDelivered: number;
  skippedRecovered: number;
}

const COLUMNS = `coalesce(sum(calls), 0)::float8 AS calls, coalesce(sum(succeeded), 0)::float8 AS succeeded,
  coalesce(sum(repeated), 0)::float8 AS repeated, coalesce(sum(skipped_delivered), 0)::float8 AS "skippedDelivered",
  coalesce(sum(skipped_recovered), 0)::float8 AS "skippedRecovered"`;

/** One video's counters (zeros before its first call). */
export async function readVideoCallCounts(db: Db, videoId: string): Promise<CallCounts> {
  const { rows } = await db.query<CallCounts>(`SELECT ${COLUMNS} FROM enhancer_call_counts WHERE video_id = $1`, [videoId]);
  return rows[0]!;
}

/** All videos ever processed, deleted ones included (their rows are kept: see the schema). */
export async function readTotalCallCounts(db: Db): Promise<CallCounts> {
  const { rows } = await db.query<CallCounts>(`SELECT ${COLUMNS} FROM enhancer_call_counts`);
  return rows[0]!;
}
