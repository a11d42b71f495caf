import "server-only";
import type { Db } from "@/lib/db/client";

// The frame numbers of one video in one status, reached through
// (video_id, status, frame_index).

/** Frames waiting to be enhanced, for the jobs that start (or restart) the enhance stage. */
export async function pendingFrameIndexes(db: Db, videoId: string): Promise<number[]> {
  const { rows } = await db.query<{ frame_index: number }>(
    `SELECT frame_index FROM frame_executions WHERE video_id = $1 AND status = 'pending' ORDER BY frame_index`,
    [videoId],
  );
  return rows.map((r) => r.frame_index);
}

/** Frames that failed for good, locked until the transaction ends ("encode anyway" substitutes them). */
export async function lockFailedFrameIndexes(db: Db, videoId: string): Promise<number[]> {
  const { rows } = await db.query<{ frame_index: number }>(
    `SELECT frame_index FROM frame_executions WHERE video_id = $1 AND status = 'failed' ORDER BY frame_index FOR UPDATE`,
    [videoId],
  );
  return rows.map((r) => r.frame_index);
}
