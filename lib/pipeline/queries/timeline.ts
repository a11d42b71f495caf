import "server-only";
import { z } from "zod";
import type { Db } from "@/lib/db/client";
import { THROUGHPUT_BUCKET_SECONDS } from "@/lib/pipeline/sql/throughput-counters";
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
// Both charts read the per-video, 10-second counters of frame_throughput
// (lib/pipeline/sql/throughput-counters.ts), never the frames: a poll costs
// the counter rows of its window (at most videos active in it x buckets),
// however many frames exist. The window's bounds are written inline from
// now() and the parameters, not taken from a CTE: the planner then knows the
// bound when it plans (a bound from a CTE is a runtime value it cannot
// estimate, which once turned the fleet query into a scan of every frame).
//
// Only the buckets with activity come back from PostgreSQL (with the
// window's last bucket, from its clock); the zeros in between are filled in
// here, so a 24-hour window of 10-second buckets (8,640 points) is not
// generated, joined and sent as rows.
const LO = `date_bin(make_interval(secs => $2::float8), now(), 'epoch') - make_interval(secs => $2::float8 * ($1::int - 1))`;
const bucketsSql = (scope: string) => `
  SELECT extract(epoch FROM date_bin(make_interval(secs => $2::float8), now(), 'epoch'))::float8 AS hi, c.t, c.succeeded, c.failed
    FROM (SELECT 1) AS one
    LEFT JOIN (
      SELECT extract(epoch FROM date_bin(make_interval(secs => $2::float8), t.bucket, 'epoch'))::float8 AS t,
             sum(t.succeeded)::int AS succeeded, sum(t.failed)::int AS failed
        FROM frame_throughput t
       WHERE t.bucket >= ${LO} ${scope}
       GROUP BY 1
    ) c ON TRUE`;
const VIDEO_BUCKETS = bucketsSql("AND t.video_id = $3");
const FLEET_BUCKETS = bucketsSql("");

/**
 * Counts per bucket over the last `buckets * bucketSeconds` seconds, for one
 * video or (null) all. `bucketSeconds` is a multiple of the counters' 10 s.
 */
export async function bucketCounts(db: Db, videoId: string | null, buckets: number, bucketSeconds: number): Promise<TimelinePoint[]> {
  if (bucketSeconds % THROUGHPUT_BUCKET_SECONDS !== 0) throw new Error(`chart buckets must be a multiple of ${THROUGHPUT_BUCKET_SECONDS} s, not ${bucketSeconds} s`);
  const { rows } = await db.query<{ hi: number; t: number | null; succeeded: number | null; failed: number | null }>(
    videoId ? VIDEO_BUCKETS : FLEET_BUCKETS,
    videoId ? [buckets, bucketSeconds, videoId] : [buckets, bucketSeconds],
  );
  const active = new Map(rows.filter((r) => r.t !== null).map((r) => [r.t!, r]));
  const lo = rows[0]!.hi - bucketSeconds * (buckets - 1);
  return Array.from({ length: buckets }, (_, i) => {
    const t = lo + i * bucketSeconds;
    const r = active.get(t);
    return { t: new Date(t * 1000).toISOString(), succeeded: r?.succeeded ?? 0, failed: r?.failed ?? 0 };
  });
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
