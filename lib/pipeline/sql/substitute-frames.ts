import "server-only";
import type { Db } from "@/lib/db/client";

/** "Encode anyway": failed frames are recorded as done with their original image (stored alone: no pack). */
export async function completeFramesAsOriginal(db: Db, videoId: string, frameIndexes: number[]): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `WITH done AS (
       UPDATE frame_executions
          SET status = 'succeeded', output_kind = 'original', result_pack = NULL, finished_at = now(), updated_at = now()
        WHERE video_id = $1 AND status = 'failed' AND frame_index = ANY($2::int[])
       RETURNING 1
     ), n AS (SELECT count(*)::int AS n FROM done)
     UPDATE video_stages s SET failed = s.failed - n.n, succeeded = s.succeeded + n.n, updated_at = now()
       FROM n WHERE s.video_id = $1 AND s.name = 'enhance'
     RETURNING n.n`,
    [videoId, frameIndexes],
  );
  return rows[0]?.n ?? 0;
}
