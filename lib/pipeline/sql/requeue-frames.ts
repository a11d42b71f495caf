import "server-only";
import type { Db } from "@/lib/db/client";

export type RetrySelector = { frames: number[] } | { status: "failed" } | { fingerprint: string };

/**
 * The operator's retry: failed frames matching the selector go back to
 * pending with a fresh attempt budget (attempt_limit raised, history kept).
 * Only `status = 'failed'` rows move, so succeeded frames are never
 * re-enhanced and running ones are left to their worker.
 */
export async function requeueFailedFrames(db: Db, videoId: string, selector: RetrySelector, extraAttempts: number): Promise<number[]> {
  const where =
    "frames" in selector ? "f.frame_index = ANY($3::int[])" : "fingerprint" in selector ? "f.error_fingerprint = $3" : "TRUE";
  const params: unknown[] = [videoId, extraAttempts];
  if ("frames" in selector) params.push(selector.frames);
  if ("fingerprint" in selector) params.push(selector.fingerprint);
  const { rows } = await db.query<{ frame_index: number }>(
    `WITH requeued AS (
       UPDATE frame_executions f
          SET status = 'pending', retry_at = NULL, attempt_limit = f.attempts + $2, finished_at = NULL, updated_at = now()
        WHERE f.video_id = $1 AND f.status = 'failed' AND ${where}
       RETURNING f.frame_index
     ), counted AS (
       UPDATE video_stages s
          SET failed = s.failed - d.n, pending = s.pending + d.n, updated_at = now()
         FROM (SELECT count(*)::int AS n FROM requeued) d
        WHERE s.video_id = $1 AND s.name = 'enhance' AND d.n > 0
     )
     SELECT frame_index FROM requeued ORDER BY frame_index`,
    params,
  );
  return rows.map((r) => r.frame_index);
}
