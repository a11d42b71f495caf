import { randomUUID } from "node:crypto";
import type pg from "pg";
import { insertFrames } from "../lib/pipeline/sql/insert-frames";
import { insertStageRows } from "../lib/pipeline/sql/stage-rows";

/** A video whose preprocess succeeded, with `frames` pending execution rows and enhance running. */
export async function seedEnhancingVideoRows(pool: pg.Pool, frames: number): Promise<string> {
  const id = randomUUID();
  await pool.query(
    `INSERT INTO videos (id, title, original_name, source_bytes, status, fps_num, fps_den, width, height, frame_count, has_audio)
     VALUES ($1, 'bench', 'bench.mp4', 0, 'processing', 30, 1, 16, 16, $2::int, false)`,
    [id, frames],
  );
  await insertStageRows(pool, id);
  await pool.query(`UPDATE video_stages SET status = 'succeeded' WHERE video_id = $1 AND name = 'preprocess'`, [id]);
  await pool.query(`UPDATE video_stages SET status = 'skipped' WHERE video_id = $1 AND name = 'captions'`, [id]);
  await pool.query(`UPDATE video_stages SET status = 'running' WHERE video_id = $1 AND name = 'enhance'`, [id]);
  if (frames > 0) await insertFrames(pool, id, frames, 3);
  return id;
}
