import "server-only";
import type { Db } from "@/lib/db/client";

/**
 * One pending execution row per frame, 0..frameCount-1, and the enhance
 * stage's counters set to match, in one statement. generate_series keeps a
 * 108,000-frame video to one round trip; ON CONFLICT makes a repeated
 * preprocess (pg-boss retry after a crash) add nothing twice, and only rows
 * actually inserted are counted.
 */
export async function insertFrames(db: Db, videoId: string, frameCount: number, attemptLimit: number): Promise<number> {
  const { rows } = await db.query<{ inserted: number }>(
    `WITH inserted AS (
       INSERT INTO frame_executions (video_id, frame_index, attempt_limit)
       SELECT $1::uuid, i, $3 FROM generate_series(0, $2::int - 1) AS i
       ON CONFLICT (video_id, frame_index) DO NOTHING
       RETURNING 1
     ), n AS (SELECT count(*)::int AS inserted FROM inserted)
     UPDATE video_stages s
        SET total = s.total + n.inserted, pending = s.pending + n.inserted, updated_at = now()
       FROM n
      WHERE s.video_id = $1 AND s.name = 'enhance'
     RETURNING n.inserted`,
    [videoId, frameCount, attemptLimit],
  );
  return rows[0]?.inserted ?? 0;
}

/**
 * Pending execution rows for frames [from, to) of a video whose extraction
 * is still running (they land in batches), counted on the enhance stage as
 * insertFrames does. Returns the frame numbers actually inserted, in order:
 * after a crashed extraction ran again, the frames that already had a row
 * (and a job) are neither inserted nor returned, so no job is sent twice.
 */
export async function insertFrameRange(db: Db, videoId: string, from: number, to: number, attemptLimit: number): Promise<number[]> {
  if (to <= from) return [];
  const { rows } = await db.query<{ inserted: number[] }>(
    `WITH inserted AS (
       INSERT INTO frame_executions (video_id, frame_index, attempt_limit)
       SELECT $1::uuid, i, $4 FROM generate_series($2::int, $3::int - 1) AS i
       ON CONFLICT (video_id, frame_index) DO NOTHING
       RETURNING frame_index
     ), n AS (SELECT count(*)::int AS n, coalesce(array_agg(frame_index ORDER BY frame_index), '{}') AS inserted FROM inserted)
     UPDATE video_stages s
        SET total = s.total + n.n, pending = s.pending + n.n, updated_at = now()
       FROM n
      WHERE s.video_id = $1 AND s.name = 'enhance'
     RETURNING n.inserted`,
    [videoId, from, to, attemptLimit],
  );
  return rows[0]?.inserted ?? [];
}
