import "server-only";
import type { Db } from "@/lib/db/client";

/**
 * One pending execution row per frame, 0..frameCount-1 (the whole video at
 * once: seeds and benchmarks; the pipeline adds them as frames land, with
 * insertFrameRange). Returns how many were inserted.
 */
export async function insertFrames(db: Db, videoId: string, frameCount: number, attemptLimit: number): Promise<number> {
  return (await insertFrameRange(db, videoId, 0, frameCount, attemptLimit)).length;
}

/**
 * Pending execution rows for frames [from, to) of a video, and the enhance
 * stage's counters moved to match, in one statement. generate_series keeps a
 * 108,000-frame range to one round trip. Returns the frame numbers actually
 * inserted, in order: after a crashed extraction ran again, the frames that
 * already had a row (and a job) are neither inserted nor returned, so no job
 * is sent twice, and only rows inserted are counted.
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
