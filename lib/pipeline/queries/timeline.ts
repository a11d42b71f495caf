import "server-only";
import { z } from "zod";
import type { Db } from "@/lib/db/client";
import { readVideoHeader } from "./video-lookup";

// Throughput charts: frames finished and attempts failed per time bucket.
// "Succeeded" counts frames at their finished_at (frames enhanced, not the
// ones "encode anyway" recorded with their original image, which would show
// as a spike of work that never happened); "failed" counts failed attempts
// (frame_attempts, one row per failure, retried or final), so the chart shows
// trouble while the retries are still absorbing it. Every bucket of the
// window is returned, zeros included, so a chart's x axis is continuous.

export interface TimelinePoint {
  t: string;
  succeeded: number;
  failed: number;
}

const timelineParams = z.object({ minutes: z.coerce.number().int().min(1).max(24 * 60).default(60) });
export type TimelineParams = z.infer<typeof timelineParams>;

export function parseTimelineParams(search: URLSearchParams): TimelineParams {
  return timelineParams.parse(Object.fromEntries([...search.entries()].filter(([, v]) => v !== "")));
}

// Buckets are aligned to the epoch (date_bin), so two polls a second apart
// agree on bucket boundaries; the last bucket is the current, partial one.
// The window starts at the first whole bucket inside it: nothing older than
// `minutes` is counted.
//
// $1: one video, or NULL for the fleet. The fleet's rows are reached through
// the videos that can have finished frames in the window (still open, or
// finished inside it), each via the per-video indexes, rather than by a scan
// of every frame ever processed: frame_executions has no index on
// finished_at alone, and /api/ops polls this every few seconds.
const BUCKETS = `
  WITH w AS (
    SELECT date_bin(make_interval(secs => $3::float8), now(), 'epoch') AS hi,
           date_bin(make_interval(secs => $3::float8), now(), 'epoch') - make_interval(secs => $3::float8 * ($2::int - 1)) AS lo
  ), scope AS (
    SELECT v.id FROM videos v, w
     WHERE CASE WHEN $1::uuid IS NULL THEN v.finished_at IS NULL OR v.finished_at >= w.lo ELSE v.id = $1::uuid END
  ), ok AS (
    SELECT date_bin(make_interval(secs => $3), f.finished_at, 'epoch') AS t, count(*)::int AS n
      FROM scope s
      JOIN frame_executions f ON f.video_id = s.id AND f.status = 'succeeded'
     CROSS JOIN w
     WHERE f.finished_at >= w.lo AND f.output_kind IS DISTINCT FROM 'original'
     GROUP BY 1
  ), bad AS (
    SELECT date_bin(make_interval(secs => $3), a.finished_at, 'epoch') AS t, count(*)::int AS n
      FROM scope s
      JOIN frame_attempts a ON a.video_id = s.id
     CROSS JOIN w
     WHERE a.finished_at >= w.lo
     GROUP BY 1
  )
  SELECT b.t, coalesce(ok.n, 0) AS succeeded, coalesce(bad.n, 0) AS failed
    FROM w, generate_series(w.lo, w.hi, make_interval(secs => $3)) AS b(t)
    LEFT JOIN ok ON ok.t = b.t
    LEFT JOIN bad ON bad.t = b.t
   ORDER BY b.t`;

/** Counts per bucket over the last `buckets * bucketSeconds` seconds, for one video or (null) all. */
export async function bucketCounts(db: Db, videoId: string | null, buckets: number, bucketSeconds: number): Promise<TimelinePoint[]> {
  const { rows } = await db.query<{ t: Date; succeeded: number; failed: number }>(BUCKETS, [videoId, buckets, bucketSeconds]);
  return rows.map((r) => ({ t: r.t.toISOString(), succeeded: r.succeeded, failed: r.failed }));
}

/** GET /api/videos/{id}/timeline?minutes=60: 10-second buckets. */
export async function getVideoTimeline(db: Db, rawVideoId: string, params: TimelineParams): Promise<{ points: TimelinePoint[] }> {
  const video = await readVideoHeader(db, rawVideoId);
  return { points: await bucketCounts(db, video.id, params.minutes * 6, 10) };
}

/** The ops screen's chart: the last hour, 1-minute buckets, all videos. */
export function fleetThroughput(db: Db): Promise<TimelinePoint[]> {
  return bucketCounts(db, null, 60, 60);
}
