-- Views for the questions operators ask in SQL (docs/sql-reports.md). They
-- live in their own schema, `reports`, outside what prisma/schema.prisma
-- describes, so they are plain SQL kept here rather than Prisma models.
CREATE SCHEMA IF NOT EXISTS reports;

-- Failed frames per video and error class (and HTTP status), with when the
-- class was first and last seen.
CREATE VIEW reports.frames_by_error_class AS
SELECT f.video_id,
       v.title,
       coalesce(f.last_error->>'errorClass', 'unknown') AS error_class,
       (f.last_error->>'httpStatus')::int AS http_status,
       count(*)::int AS failed_frames,
       min(f.updated_at) AS first_seen,
       max(f.updated_at) AS last_seen
  FROM frame_executions f
  JOIN videos v ON v.id = f.video_id
 WHERE f.status = 'failed'
 GROUP BY f.video_id, v.title, 3, 4;

-- Enhanced frames with how long their last (successful) attempt took;
-- ORDER BY duration_ms DESC LIMIT n gives the slowest.
CREATE VIEW reports.slowest_frames AS
SELECT f.video_id,
       v.title,
       f.frame_index,
       f.attempts,
       f.worker_id,
       (extract(epoch FROM f.finished_at - f.started_at) * 1000)::bigint AS duration_ms,
       f.finished_at
  FROM frame_executions f
  JOIN videos v ON v.id = f.video_id
 WHERE f.status = 'succeeded' AND f.started_at IS NOT NULL AND f.finished_at IS NOT NULL;

-- Failed attempts (each one a retry or a final failure) per hour, with how
-- many frames and videos they touched and how many were retryable.
CREATE VIEW reports.retries_per_hour AS
SELECT date_trunc('hour', a.finished_at) AS hour,
       count(*)::int AS failed_attempts,
       count(*) FILTER (WHERE (a.error->>'retryable')::boolean)::int AS retryable_attempts,
       count(DISTINCT a.frame_id)::int AS frames,
       count(DISTINCT a.video_id)::int AS videos
  FROM frame_attempts a
 GROUP BY 1;
