import "server-only";
import type { Db } from "@/lib/db/client";

/**
 * Where the enhanced images of the succeeded frames from..to-1 of a video
 * are: frame index -> the name of the pack holding it, or null when it is
 * stored alone (keys.enhancedFrame). Frames not succeeded are left out.
 */
export async function readResultPacks(db: Db, videoId: string, from: number, to: number): Promise<Map<number, string | null>> {
  const { rows } = await db.query<{ frame_index: number; result_pack: string | null }>(
    `SELECT frame_index, result_pack FROM frame_executions
      WHERE video_id = $1 AND frame_index >= $2 AND frame_index < $3 AND status = 'succeeded'`,
    [videoId, from, to],
  );
  return new Map(rows.map((r) => [r.frame_index, r.result_pack]));
}
