import { describe, expect, it } from "vitest";
import { createTestPipeline } from "@/test/support/pipeline";
import { seedEnhancingVideo } from "@/test/support/seed";

// The reports.* views (migration report_views, docs/sql-reports.md) answer
// what they say, on real rows.
describe("SQL report views", async () => {
  const { pool, ctx } = await createTestPipeline();
  const id = await seedEnhancingVideo(ctx, { frames: 4, files: false });
  await pool.query(
    `UPDATE frame_executions SET status = 'failed', last_error = '{"errorClass":"http","httpStatus":503,"message":"busy","retryable":true}'
      WHERE video_id = $1 AND frame_index IN (0, 1)`,
    [id],
  );
  await pool.query(
    `UPDATE frame_executions SET status = 'succeeded', started_at = now() - (frame_index * interval '1 second'), finished_at = now()
      WHERE video_id = $1 AND frame_index IN (2, 3)`,
    [id],
  );
  await pool.query(
    `INSERT INTO frame_attempts (frame_id, video_id, frame_index, attempt, error, finished_at)
     SELECT id, video_id, frame_index, g, '{"errorClass":"http","retryable":true}', date_trunc('hour', now()) + interval '5 minutes'
       FROM frame_executions, generate_series(1, 2) g WHERE video_id = $1 AND frame_index IN (0, 1)`,
    [id],
  );

  it("frames_by_error_class counts failed frames per video and class", async () => {
    const { rows } = await pool.query(`SELECT error_class, http_status, failed_frames FROM reports.frames_by_error_class WHERE video_id = $1`, [id]);
    expect(rows).toEqual([{ error_class: "http", http_status: 503, failed_frames: 2 }]);
  });

  it("slowest_frames orders by how long the successful attempt took", async () => {
    const { rows } = await pool.query(`SELECT frame_index FROM reports.slowest_frames WHERE video_id = $1 ORDER BY duration_ms DESC`, [id]);
    expect(rows.map((r) => r.frame_index)).toEqual([3, 2]);
  });

  it("retries_per_hour counts failed attempts, frames and videos per hour", async () => {
    const { rows } = await pool.query(`SELECT failed_attempts, retryable_attempts, frames, videos FROM reports.retries_per_hour WHERE hour = date_trunc('hour', now())`);
    expect(rows).toEqual([{ failed_attempts: 4, retryable_attempts: 4, frames: 2, videos: 1 }]);
  });
});
