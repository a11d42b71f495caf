import "server-only";
import type { Db } from "@/lib/db/client";

// The sweeper's statements over frames: leases that lapsed, retries nobody picked up.

/**
 * The sweeper: frames whose lease lapsed (their worker died or stalled) go
 * back to pending, or fail for good when that was their last allowed attempt.
 * The attempt token is cleared, so the stalled worker, if it wakes up, can
 * settle nothing. Returns the frames to send jobs for, per video.
 */
export async function releaseExpiredLeases(db: Db, limit = 5000): Promise<{ videoId: string; frameIndex: number; final: boolean }[]> {
  const { rows } = await db.query<{ video_id: string; frame_index: number; final: boolean }>(
    `WITH expired AS (
       SELECT id FROM frame_executions
        WHERE status = 'running' AND lease_expires_at < now()
        ORDER BY id
        LIMIT $1
        FOR UPDATE SKIP LOCKED
     ), released AS (
       UPDATE frame_executions f
          SET status = CASE WHEN f.attempts >= f.attempt_limit THEN 'failed'::frame_status ELSE 'pending'::frame_status END,
              attempt_token = NULL, worker_id = NULL, lease_expires_at = NULL, updated_at = now(),
              last_error = CASE WHEN f.attempts >= f.attempt_limit
                THEN jsonb_build_object('errorClass', 'LeaseExpired', 'message', 'the worker processing this frame stopped responding ' || f.attempts || ' times', 'retryable', false, 'attempt', f.attempts, 'workerId', f.worker_id, 'at', now())
                ELSE f.last_error END,
              error_fingerprint = CASE WHEN f.attempts >= f.attempt_limit THEN 'LeaseExpired' ELSE f.error_fingerprint END,
              finished_at = CASE WHEN f.attempts >= f.attempt_limit THEN now() END
         FROM expired e
        WHERE f.id = e.id
       RETURNING f.video_id, f.frame_index, (f.status = 'failed') AS final
     ), counted AS (
       UPDATE video_stages s
          SET running = s.running - d.total, failed = s.failed + d.final, pending = s.pending + (d.total - d.final), updated_at = now()
         FROM (SELECT video_id, count(*)::int AS total, count(*) FILTER (WHERE final)::int AS final FROM released GROUP BY video_id) d
        WHERE s.video_id = d.video_id AND s.name = 'enhance'
     )
     SELECT video_id::text, frame_index, final FROM released`,
    [limit],
  );
  return rows.map((r) => ({ videoId: r.video_id, frameIndex: r.frame_index, final: r.final }));
}

/**
 * Pending frames whose retry time passed a while ago but that nobody claimed:
 * their job was consumed early (a duplicate delivery before retry_at) or lost.
 * Touching retry_at makes the next sweep wait again before re-sending.
 */
export async function touchOverdueRetries(db: Db, graceSeconds: number, limit = 5000): Promise<{ videoId: string; frameIndex: number }[]> {
  const { rows } = await db.query<{ video_id: string; frame_index: number }>(
    `UPDATE frame_executions f
        SET retry_at = now(), updated_at = now()
      WHERE f.id IN (
        SELECT f2.id FROM frame_executions f2
          JOIN video_stages s ON s.video_id = f2.video_id AND s.name = 'enhance' AND s.status = 'running'
         WHERE f2.status = 'pending' AND f2.retry_at < now() - make_interval(secs => $1)
         LIMIT $2
         FOR UPDATE OF f2 SKIP LOCKED)
     RETURNING f.video_id::text, f.frame_index`,
    [graceSeconds, limit],
  );
  return rows.map((r) => ({ videoId: r.video_id, frameIndex: r.frame_index }));
}
