import "server-only";
import type { Db } from "@/lib/db/client";
import type { MediaInfo } from "@/lib/media/probe";
import { TERMINAL_VIDEO, type VideoStatus } from "@/lib/pipeline/stages";

export async function insertVideo(db: Db, v: { id: string; title: string; originalName: string; sourceBytes: number }): Promise<void> {
  await db.query(
    `INSERT INTO videos (id, title, original_name, source_bytes) VALUES ($1, $2, $3, $4)`,
    [v.id, v.title, v.originalName, v.sourceBytes],
  );
}

export async function saveVideoMetadata(db: Db, videoId: string, info: MediaInfo, frameCount: number | null): Promise<void> {
  await db.query(
    `UPDATE videos
        SET duration_sec = $2, fps_num = $3, fps_den = $4, width = $5, height = $6,
            frame_count = COALESCE($7, frame_count), video_codec = $8, audio_codec = $9, has_audio = $10,
            probe = $11::jsonb, updated_at = now()
      WHERE id = $1`,
    [videoId, info.durationSec, info.fpsNum, info.fpsDen, info.width, info.height, frameCount, info.videoCodec, info.audioCodec, info.hasAudio, JSON.stringify(info.raw ?? {})],
  );
}

/**
 * Moves the video to `status` unless it is canceled (the operator's word is
 * final until they act again). Sets started_at on the first move to
 * processing and finished_at on a terminal status.
 */
export async function setVideoStatus(db: Db, videoId: string, status: VideoStatus, error: unknown = null): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE videos
        SET status = $2::video_status, error = $3::jsonb, updated_at = now(),
            started_at = COALESCE(started_at, CASE WHEN $2::video_status <> 'queued' THEN now() END),
            finished_at = CASE WHEN $2::video_status = ANY($4::video_status[]) THEN now() END
      WHERE id = $1 AND status <> 'canceled' AND status IS DISTINCT FROM $2::video_status`,
    [videoId, status, error === null ? null : JSON.stringify(error), TERMINAL_VIDEO],
  );
  return rowCount === 1;
}

/** Serialises the stage transitions of one video (held until the transaction ends). */
export async function lockVideo(db: Db, videoId: string): Promise<void> {
  await db.query(`SELECT pg_advisory_xact_lock(hashtext('framewise:video'), hashtext($1))`, [videoId]);
}

export async function readVideoStatus(db: Db, videoId: string): Promise<VideoStatus | null> {
  const { rows } = await db.query<{ status: VideoStatus }>(`SELECT status FROM videos WHERE id = $1`, [videoId]);
  return rows[0]?.status ?? null;
}

export async function markVideoCanceled(db: Db, videoId: string): Promise<void> {
  await db.query(
    `UPDATE videos SET status = 'canceled', finished_at = now(), updated_at = now(),
            error = jsonb_build_object('code', 'canceled', 'message', 'Canceled by an operator.')
      WHERE id = $1`,
    [videoId],
  );
}

/** Deletes the video's row; its stages, frames and their history go with it (ON DELETE CASCADE). */
export async function deleteVideoRow(db: Db, videoId: string): Promise<boolean> {
  const { rowCount } = await db.query(`DELETE FROM videos WHERE id = $1`, [videoId]);
  return rowCount === 1;
}

/** What the stage runners need to know of a video (null for a video that is gone). */
export async function readVideoMedia(db: Db, videoId: string): Promise<{ width: number; height: number; fpsNum: number; fpsDen: number; frameCount: number; hasAudio: boolean | null } | null> {
  const { rows } = await db.query<{ width: number; height: number; fps_num: number; fps_den: number; frame_count: number; has_audio: boolean | null }>(
    `SELECT width, height, fps_num, fps_den, frame_count, has_audio FROM videos WHERE id = $1`,
    [videoId],
  );
  const r = rows[0];
  return r ? { width: r.width, height: r.height, fpsNum: r.fps_num, fpsDen: r.fps_den, frameCount: r.frame_count, hasAudio: r.has_audio } : null;
}
