import "server-only";
import type pg from "pg";

// Frame retention: which completed videos' frame files may go, and the mark
// that they went. The claim locks the video row for the purge's transaction
// (SKIP LOCKED: two workers purge different videos), so a retry command on
// the same video waits for the purge and then sees the mark.

/** One completed video whose frames are older than the retention, locked; null when none is due. */
export async function claimVideoForFramePurge(tx: pg.PoolClient, retentionHours: number): Promise<string | null> {
  const { rows } = await tx.query<{ id: string }>(
    `SELECT id FROM videos
      WHERE status = 'completed' AND frames_purged_at IS NULL AND finished_at <= now() - $1 * interval '1 hour'
      ORDER BY finished_at LIMIT 1
      FOR UPDATE SKIP LOCKED`,
    [retentionHours],
  );
  return rows[0]?.id ?? null;
}

export async function markFramesPurged(tx: pg.PoolClient, videoId: string): Promise<void> {
  await tx.query(`UPDATE videos SET frames_purged_at = now(), updated_at = now() WHERE id = $1`, [videoId]);
}

/** When the video's frame files were purged (null: they are kept). Call inside the transaction that locked the video. */
export async function framesPurgedAt(tx: pg.PoolClient, videoId: string): Promise<Date | null> {
  const { rows } = await tx.query<{ frames_purged_at: Date | null }>(`SELECT frames_purged_at FROM videos WHERE id = $1`, [videoId]);
  return rows[0]?.frames_purged_at ?? null;
}
