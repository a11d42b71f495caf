import "server-only";
import type { Db } from "@/lib/db/client";

// frame_throughput: frames finished and attempts failed per video and
// 10-second bucket, the source of the throughput charts (per video and, added
// up per minute, the fleet's on the ops screen). The settle statements
// (settle-frames.ts) move it in the same statement that moves the frame rows,
// like the stage counters, so a chart reads a few hundred counter rows
// instead of every frame finished in its window.
//
// What is counted is what the charts always showed: "succeeded" counts frames
// at the moment they were recorded as enhanced (not the originals "encode
// anyway" substitutes), "failed" counts failed attempts (one frame_attempts
// row each). Nothing else changes either number: a succeeded frame never runs
// again, a retry or a sweep moves frames between pending, running and failed
// without a result or an attempt row, and deleting a video deletes its rows
// (foreign key, cascade) with its frames.

/** Width of a counter bucket; every chart bucket is a multiple of it. */
export const THROUGHPUT_BUCKET_SECONDS = 10;

/**
 * Charts look back at most a day (the per-video timeline's `minutes` is
 * capped at 1440); counters older than this are never read and are pruned.
 */
export const THROUGHPUT_RETENTION_HOURS = 25;

/** The bucket an event at `at` belongs to, as SQL (epoch-aligned, like the chart buckets). */
export const THROUGHPUT_BUCKET_OF = (at: string) => `date_bin(interval '${THROUGHPUT_BUCKET_SECONDS} seconds', ${at}, 'epoch')`;

/**
 * The CTE body the settle statements add (video in $1): frames recorded as
 * enhanced and failed attempts, counted in the bucket of now(), the
 * finished_at the same statement writes. An upsert of one row per video and
 * bucket, which the settles of one video already serialise on (their stage
 * row), so it adds no new contention.
 */
export const COUNT_THROUGHPUT = (succeeded: string, failed: string, when: string) => `
       INSERT INTO frame_throughput AS c (video_id, bucket, succeeded, failed)
       SELECT $1, ${THROUGHPUT_BUCKET_OF("now()")}, ${succeeded}, ${failed}
        WHERE ${when} AND ${succeeded} + ${failed} > 0
       ON CONFLICT (video_id, bucket) DO UPDATE
          SET succeeded = c.succeeded + excluded.succeeded, failed = c.failed + excluded.failed`;

/** Deletes counters older than the longest chart window; the bucket index makes it a range delete. */
export async function pruneThroughputCounters(db: Db): Promise<number> {
  const { rowCount } = await db.query(`DELETE FROM frame_throughput WHERE bucket < now() - make_interval(hours => $1)`, [THROUGHPUT_RETENTION_HOURS]);
  return rowCount ?? 0;
}

/**
 * Rebuilds the counters of the retention window from the rows (all videos,
 * or one). For data written without the settle statements (the benchmark's
 * seed, the migration that introduced the counters), and for tests that
 * check the maintained counters against it. Reads frames by finished_at,
 * which no index covers: a one-off, never a poll.
 */
export async function rebuildThroughputCounters(db: Db, videoId: string | null = null): Promise<void> {
  await db.query(`DELETE FROM frame_throughput WHERE $1::uuid IS NULL OR video_id = $1::uuid`, [videoId]);
  await db.query(
    `WITH since AS (SELECT now() - make_interval(hours => $2) AS t),
     ok AS (
       SELECT f.video_id, ${THROUGHPUT_BUCKET_OF("f.finished_at")} AS bucket, count(*)::int AS n
         FROM frame_executions f, since
        WHERE f.status = 'succeeded' AND f.output_kind IS DISTINCT FROM 'original' AND f.finished_at >= since.t
          AND ($1::uuid IS NULL OR f.video_id = $1::uuid)
        GROUP BY 1, 2
     ), bad AS (
       SELECT a.video_id, ${THROUGHPUT_BUCKET_OF("a.finished_at")} AS bucket, count(*)::int AS n
         FROM frame_attempts a, since
        WHERE a.finished_at >= since.t AND ($1::uuid IS NULL OR a.video_id = $1::uuid)
        GROUP BY 1, 2
     )
     INSERT INTO frame_throughput (video_id, bucket, succeeded, failed)
     SELECT coalesce(ok.video_id, bad.video_id), coalesce(ok.bucket, bad.bucket), coalesce(ok.n, 0), coalesce(bad.n, 0)
       FROM ok FULL JOIN bad ON bad.video_id = ok.video_id AND bad.bucket = ok.bucket`,
    [videoId, THROUGHPUT_RETENTION_HOURS],
  );
}
