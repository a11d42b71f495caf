import "server-only";
import type { Db } from "@/lib/db/client";

export interface ClaimedFrame {
  id: string;
  frameIndex: number;
  attemptToken: string;
  attempts: number;
  attemptLimit: number;
  /** The pack of enhanced frames the frame's previous claim was to write (its result may be there), or null. */
  previousPack: string | null;
}

/**
 * Claims frames of one video for this worker: one statement (Oban's pattern)
 * whose CTE picks the claimable rows FOR UPDATE SKIP LOCKED and feeds one
 * UPDATE that sets the owner, a fresh attempt token (the fencing token) and
 * the lease. Claimable: pending and due, or running with a lapsed lease.
 * A succeeded or failed frame is never returned, so a job delivered twice
 * does not reach the enhancer twice. Frames of a video whose enhance stage is
 * not running (canceled, failed) are left alone. The enhance counters move in
 * the same statement, so progress never disagrees with the rows. Each row
 * is given `resultPack`, the pack of enhanced frames this claim will write,
 * before a call is made: a worker that dies after storing it leaves the
 * next claim (which gets the name back as previousPack) a place to look.
 */
export async function claimFrames(db: Db, videoId: string, frameIndexes: number[], workerId: string, leaseSeconds: number, resultPack: string | null = null): Promise<ClaimedFrame[]> {
  const { rows } = await db.query<{ id: string; frame_index: number; attempt_token: string; attempts: number; attempt_limit: number; previous_pack: string | null }>(
    `WITH candidates AS (
       -- One index probe per frame asked for, on (video_id, frame_index):
       -- the cost follows the batch, not the video (a plain join or
       -- frame_index = ANY let the planner scan every row of the video).
       SELECT c.id, c.old_status, c.previous_pack
         FROM unnest($2::int[]) AS i(frame_index)
         CROSS JOIN LATERAL (
           SELECT f.id, f.status AS old_status, f.result_pack AS previous_pack
             FROM frame_executions f
            WHERE f.video_id = $1 AND f.frame_index = i.frame_index
              AND ((f.status = 'pending' AND (f.retry_at IS NULL OR f.retry_at <= now()))
                   OR (f.status = 'running' AND f.lease_expires_at < now()))
              AND EXISTS (SELECT 1 FROM video_stages s WHERE s.video_id = $1 AND s.name = 'enhance' AND s.status = 'running')
              FOR UPDATE OF f SKIP LOCKED
         ) c
     ), claimed AS (
       UPDATE frame_executions f
          SET status = 'running', attempts = f.attempts + 1, attempt_token = gen_random_uuid(),
              worker_id = $3, lease_expires_at = now() + make_interval(secs => $4),
              retry_at = NULL, started_at = now(), updated_at = now(), result_pack = $5
         FROM candidates c
        WHERE f.id = c.id
       RETURNING f.id, f.frame_index, f.attempt_token, f.attempts, f.attempt_limit, c.old_status, c.previous_pack
     ), counted AS (
       UPDATE video_stages s
          SET pending = s.pending - d.n, running = s.running + d.n, updated_at = now()
         FROM (SELECT count(*)::int AS n FROM claimed WHERE old_status = 'pending') d
        WHERE s.video_id = $1 AND s.name = 'enhance' AND d.n > 0
     )
     SELECT id::text, frame_index, attempt_token::text, attempts, attempt_limit, previous_pack FROM claimed`,
    [videoId, frameIndexes, workerId, leaseSeconds, resultPack],
  );
  return rows.map((r) => ({ id: r.id, frameIndex: r.frame_index, attemptToken: r.attempt_token, attempts: r.attempts, attemptLimit: r.attempt_limit, previousPack: r.previous_pack }));
}
