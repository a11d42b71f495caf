// The 10 M-row dashboard data set of `npm run bench:dashboard` (issue 11):
// 92 one-hour videos of 108,000 frames and 50 short clips of 2,000 frames,
// 10,036,000 execution rows in all, written with INSERT ... SELECT
// generate_series (one statement per video) rather than through the engine,
// so seeding takes minutes, not days. The mix is what a fleet's database
// holds after a month: videos finished days ago, one finished a few hours
// ago, two that failed with thousands of failed frames (error JSON, attempt
// history), and one 108k-frame video running now (frames finished over the
// last 40 minutes, some in flight, failures in the last hour, the rest
// pending with their pg-boss jobs queued). Stage counters, call counters and
// throughput counters agree with the rows, as the real statements keep them.
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { createBoss, createQueues, sendFrameJobs } from "../lib/queue/boss";
import { rebuildThroughputCounters } from "../lib/pipeline/sql/throughput-counters";

export const LONG_FRAMES = 108_000;
export const SHORT_FRAMES = 2_000;
const LONG_VIDEOS = 92;
const SHORT_VIDEOS = 50;
export const SEED_ROWS = LONG_VIDEOS * LONG_FRAMES + SHORT_VIDEOS * SHORT_FRAMES;

export interface SeededVideos {
  running: string;
  recent: string;
  failed: string;
  old: string;
}

type Kind = "old" | "recent" | "failed" | "running";
interface Plan {
  id: string;
  kind: Kind;
  frames: number;
  /** When enhancement started, seconds before now. */
  startedAgo: number;
  /** Seconds the enhance stage took (frames spread evenly over it). */
  spanSeconds: number;
}

const FINGERPRINTS = [
  { fp: "HttpError|503|service unavailable", error: { errorClass: "HttpError", message: "service unavailable", httpStatus: 503, bodyExcerpt: "<html>503 Service Unavailable</html>", retryable: true } },
  { fp: "TimeoutError||enhancer did not answer within 30000 ms", error: { errorClass: "TimeoutError", message: "enhancer did not answer within 30000 ms", retryable: true } },
  { fp: "InvalidImage||the enhancer returned 0 bytes", error: { errorClass: "InvalidImage", message: "the enhancer returned 0 bytes", httpStatus: 200, retryable: false } },
];

function plans(): Plan[] {
  const day = 86_400;
  const out: Plan[] = [];
  // Long videos: 88 finished 1..30 days ago, 2 failed days ago, 1 finished 3 h ago, 1 running.
  for (let i = 0; i < 88; i++) out.push({ id: randomUUID(), kind: "old", frames: LONG_FRAMES, startedAgo: Math.round(day + (i * 29 * day) / 88), spanSeconds: 3600 });
  out.push({ id: randomUUID(), kind: "failed", frames: LONG_FRAMES, startedAgo: 2.5 * day, spanSeconds: 3900 });
  out.push({ id: randomUUID(), kind: "failed", frames: LONG_FRAMES, startedAgo: Math.round(6.2 * day), spanSeconds: 3900 });
  out.push({ id: randomUUID(), kind: "recent", frames: LONG_FRAMES, startedAgo: 4 * 3600, spanSeconds: 3600 });
  out.push({ id: randomUUID(), kind: "running", frames: LONG_FRAMES, startedAgo: 2400, spanSeconds: 2400 });
  for (let i = 0; i < SHORT_VIDEOS; i++) out.push({ id: randomUUID(), kind: "old", frames: SHORT_FRAMES, startedAgo: 3600 * (2 + i * 13), spanSeconds: 70 });
  return out;
}

// The running video: frames below DONE succeeded over the last 40 minutes,
// the next 32 are in flight, 100 frames among the finished ones failed for
// good (5 attempts each, the last in the last hour), 200 more succeeded after
// one failed attempt; the rest are pending.
const RUNNING_DONE = 64_800;
const IN_FLIGHT = 32;
const FAILED_EVERY = 648; // 100 final failures among the first 64,800 frames
const FAILED_VIDEO_FAILURES_EVERY = 72; // 1,500 failed frames in a failed video

/** Seeds the data set into a migrated, empty database and returns the videos the endpoints are timed on. */
export async function seedDashboard(db: pg.Pool, url: string, log: (line: string) => void): Promise<SeededVideos> {
  const all = plans();
  let rows = 0;
  const t0 = Date.now();
  for (const [n, p] of all.entries()) {
    await seedVideo(db, p, n);
    rows += p.frames;
    if (n % 10 === 9 || n === all.length - 1) log(`  ${rows.toLocaleString("en-US")} rows (${(rows / ((Date.now() - t0) / 1000)).toFixed(0)} rows/s)`);
  }
  await db.query(
    `INSERT INTO audit_events (at, actor_kind, actor, action, video_id, result)
     SELECT now() - make_interval(secs => i * 60), 'user', 'operator@example.com',
            (ARRAY['video.upload', 'video.retry', 'video.cancel', 'auth.sign_in'])[1 + i % 4], v.id, CASE WHEN i % 10 = 0 THEN 'forbidden' ELSE 'ok' END
       FROM generate_series(1, 20000) AS i
       JOIN LATERAL (SELECT id FROM videos ORDER BY id OFFSET (i % 142) LIMIT 1) v ON TRUE`,
  );
  const running = all.find((p) => p.kind === "running")!;
  // The running video's pending frames have their pg-boss jobs queued, as the fan-out left them.
  const boss = createBoss(url, { max: 2 });
  await boss.start();
  try {
    await createQueues(boss);
    const { rows: pending } = await db.query<{ frame_index: number }>(`SELECT frame_index FROM frame_executions WHERE video_id = $1 AND status = 'pending' ORDER BY frame_index`, [running.id]);
    await sendFrameJobs(boss, pending.map((r) => ({ videoId: running.id, frameIndex: r.frame_index })));
  } finally {
    await boss.stop({ graceful: false });
  }
  await rebuildThroughputCounters(db);
  return {
    running: running.id,
    recent: all.find((p) => p.kind === "recent")!.id,
    failed: all.find((p) => p.kind === "failed")!.id,
    old: all.find((p) => p.kind === "old")!.id,
  };
}

async function seedVideo(db: pg.Pool, p: Plan, n: number): Promise<void> {
  const finished = p.kind === "old" || p.kind === "recent";
  const status = finished ? "completed" : p.kind === "failed" ? "failed" : "processing";
  const error = p.kind === "failed" ? { code: "enhance_failed", message: "enhance: 1500 of 108000 frames failed" } : null;
  await db.query(
    `INSERT INTO videos (id, title, original_name, source_bytes, status, error, duration_sec, fps_num, fps_den, width, height, frame_count,
                         video_codec, audio_codec, has_audio, created_at, updated_at, started_at, finished_at)
     VALUES ($1, $2, $3, 2147483648, $4::video_status, $5, $6::int / 30.0, 30, 1, 1280, 720, $6, 'h264', 'aac', true,
             now() - make_interval(secs => $7::float8 + 120), now(), now() - make_interval(secs => $7),
             CASE WHEN $4::video_status = 'processing' THEN NULL ELSE now() - make_interval(secs => $7::float8 - $8::float8 - 300) END)`,
    [p.id, `${p.kind === "running" ? "Keynote live" : "Recording"} ${n + 1}`, `recording-${n + 1}.mp4`, status, error ? JSON.stringify(error) : null, p.frames, p.startedAgo, p.spanSeconds],
  );
  // Frame i of a finished video finished at start + i/frames of the span.
  // Failed frames of a failed video: every 72nd; of the running video: every
  // 648th below RUNNING_DONE (final), and every 324th in between succeeded
  // after one failed attempt.
  const failedEvery = p.kind === "failed" ? FAILED_VIDEO_FAILURES_EVERY : p.kind === "running" ? FAILED_EVERY : 0;
  const done = p.kind === "running" ? RUNNING_DONE : p.frames;
  await db.query(
    `INSERT INTO frame_executions (video_id, frame_index, status, attempts, attempt_limit, attempt_token, worker_id, lease_expires_at,
                                   last_error, error_fingerprint, output_kind, enhancer_calls, started_at, finished_at, updated_at)
     SELECT $1, i, s.status, s.attempts, 5, CASE WHEN s.status = 'running' THEN gen_random_uuid() END,
            CASE WHEN s.status IN ('running', 'succeeded', 'failed') THEN 'worker-' || (i % 4) END,
            CASE WHEN s.status = 'running' THEN now() + interval '60 seconds' END,
            CASE WHEN s.status = 'failed' OR s.retried THEN ($6::jsonb -> (i % 3)) || jsonb_build_object('attempt', s.attempts, 'workerId', 'worker-' || (i % 4)) END,
            CASE WHEN s.status = 'failed' OR s.retried THEN ($7::text[])[1 + i % 3] END,
            CASE WHEN s.status = 'succeeded' THEN 'enhanced' END, s.attempts,
            CASE WHEN s.status <> 'pending' THEN t.at - interval '150 milliseconds' END,
            CASE WHEN s.status IN ('succeeded', 'failed') THEN t.at END,
            coalesce(t.at, now())
       FROM generate_series(0, $2::int - 1) AS i
      CROSS JOIN LATERAL (SELECT now() - make_interval(secs => $3::float8 - $4::float8 * i::float8 / $2::int) AS at) t0
      CROSS JOIN LATERAL (SELECT CASE WHEN i < $5 THEN t0.at END AS at) t
      CROSS JOIN LATERAL (
        SELECT CASE WHEN k.final THEN 'failed' WHEN i < $5 THEN 'succeeded' WHEN i < $5 + $9 THEN 'running' ELSE 'pending' END::frame_status AS status,
               CASE WHEN k.final THEN 5 WHEN k.retried THEN 2 WHEN i < $5 + $9 THEN 1 ELSE 0 END AS attempts,
               k.retried
          FROM (SELECT coalesce(i < $5 AND i % nullif($8::int, 0) = 0, false) AS final,
                       coalesce(i < $5 AND i % nullif($8::int, 0) <> 0 AND i % nullif($8::int / 2, 0) = 0, false) AS retried) k
      ) s`,
    [p.id, p.frames, p.startedAgo, p.spanSeconds, done, JSON.stringify(FINGERPRINTS.map((f) => f.error)), FINGERPRINTS.map((f) => f.fp), failedEvery, p.kind === "running" ? IN_FLIGHT : 0],
  );
  // The attempt history: one row per failed attempt (attempts - 1 for frames that then succeeded), a few seconds apart.
  await db.query(
    `INSERT INTO frame_attempts (frame_id, video_id, frame_index, attempt, worker_id, error, started_at, finished_at, duration_ms)
     SELECT f.id, f.video_id, f.frame_index, a, f.worker_id, f.last_error || jsonb_build_object('attempt', a),
            f.finished_at - make_interval(secs => 5 * (f.attempts - a) + 0.15), f.finished_at - make_interval(secs => 5 * (f.attempts - a)), 150
       FROM frame_executions f
      CROSS JOIN LATERAL generate_series(1, CASE WHEN f.status = 'failed' THEN f.attempts ELSE f.attempts - 1 END) AS a
      WHERE f.video_id = $1 AND f.last_error IS NOT NULL`,
    [p.id],
  );
  // Stage rows and the enhance counters, as the settle statements would have left them.
  await db.query(
    `INSERT INTO video_stages (video_id, name, status, total, pending, running, succeeded, failed, progress, attempts, started_at, finished_at, error)
     SELECT $1, st.name, st.status, c.total, c.pending, c.running, c.succeeded, c.failed, 0, 1, v.started_at, CASE WHEN st.status IN ('succeeded', 'failed', 'skipped') THEN v.started_at END, NULL
       FROM videos v
      CROSS JOIN (SELECT count(*)::int AS total, count(*) FILTER (WHERE status = 'pending')::int AS pending,
                         count(*) FILTER (WHERE status = 'running')::int AS running, count(*) FILTER (WHERE status = 'succeeded')::int AS succeeded,
                         count(*) FILTER (WHERE status = 'failed')::int AS failed
                    FROM frame_executions WHERE video_id = $1) c0
      CROSS JOIN LATERAL (VALUES
        ('preprocess'::stage_name, 'succeeded'::stage_status),
        ('enhance', CASE $2 WHEN 'failed' THEN 'failed' WHEN 'running' THEN 'running' ELSE 'succeeded' END::stage_status),
        ('thumbnails', CASE $2 WHEN 'failed' THEN 'pending' WHEN 'running' THEN 'pending' ELSE 'succeeded' END::stage_status),
        ('captions', 'succeeded'),
        ('encode', CASE $2 WHEN 'failed' THEN 'pending' WHEN 'running' THEN 'pending' ELSE 'succeeded' END::stage_status)) AS st(name, status)
      CROSS JOIN LATERAL (SELECT CASE WHEN st.name = 'enhance' THEN c0.total ELSE 0 END AS total,
                                 CASE WHEN st.name = 'enhance' THEN c0.pending ELSE 0 END AS pending,
                                 CASE WHEN st.name = 'enhance' THEN c0.running ELSE 0 END AS running,
                                 CASE WHEN st.name = 'enhance' THEN c0.succeeded ELSE 0 END AS succeeded,
                                 CASE WHEN st.name = 'enhance' THEN c0.failed ELSE 0 END AS failed) c
      WHERE v.id = $1`,
    [p.id, p.kind],
  );
  await db.query(
    `INSERT INTO enhancer_call_counts (video_id, calls, succeeded, repeated)
     SELECT $1, sum(enhancer_calls), count(*) FILTER (WHERE status = 'succeeded'), sum(greatest(enhancer_calls - 1, 0))
       FROM frame_executions WHERE video_id = $1`,
    [p.id],
  );
}
