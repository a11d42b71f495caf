import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import type { Db } from "@/lib/db/client";
import type { EnhancerLimits } from "@/lib/enhance/limits";
import { renderMetrics } from "@/lib/metrics/prometheus";
import { readMetricsSnapshot } from "@/lib/metrics/snapshot";
import { createBoss, createQueues } from "@/lib/queue/boss";
import { createTestDatabase } from "@/test/support/db";
import { getOpsSnapshot, queueDepths } from "./ops";
import { rebuildThroughputCounters } from "@/lib/pipeline/sql/throughput-counters";
import { getVideoTimeline, parseTimelineParams } from "./timeline";

const { url, pool } = await createTestDatabase();
const limits: EnhancerLimits = { ratePerSec: 20, burst: 2, concurrency: 4, permitTtlMs: 45_000, breaker: { failureThreshold: 5, openMs: 15_000 } };
const config = { mode: "http", limits };

async function insertVideo(db: Db, extra: { status?: string; finishedAt?: string } = {}): Promise<string> {
  const id = randomUUID();
  await db.query(
    `INSERT INTO videos (id, title, original_name, source_bytes, fps_num, fps_den, frame_count, status, finished_at)
     VALUES ($1, 'clip', 'clip.mp4', 1, 30, 1, 1000, $2, $3)`,
    [id, extra.status ?? "processing", extra.finishedAt ?? null],
  );
  await db.query(`INSERT INTO video_stages (video_id, name) SELECT $1, unnest(enum_range(NULL::stage_name))`, [id]);
  return id;
}

/** Frames succeeded `ago` seconds back (one per entry), and failed attempts likewise. */
async function seedActivity(videoId: string, succeededAgo: number[], failedAgo: number[], outputKind = "enhanced"): Promise<void> {
  const { rows } = await pool.query<{ base: number }>(`SELECT coalesce(max(frame_index) + 1, 0)::int AS base FROM frame_executions WHERE video_id = $1`, [videoId]);
  const base = rows[0]!.base;
  await pool.query(
    `INSERT INTO frame_executions (video_id, frame_index, status, attempts, finished_at, output_kind)
     SELECT $1, $2 + o - 1, 'succeeded', 1, now() - make_interval(secs => ago), $4 FROM unnest($3::float8[]) WITH ORDINALITY AS u(ago, o)`,
    [videoId, base, succeededAgo, outputKind],
  );
  if (failedAgo.length === 0) return rebuildThroughputCounters(pool, videoId);
  const { rows: frame } = await pool.query<{ id: string }>(
    `INSERT INTO frame_executions (video_id, frame_index, status, attempts) VALUES ($1, $2, 'failed', $3) RETURNING id::text`,
    [videoId, base + succeededAgo.length, failedAgo.length],
  );
  await pool.query(
    `INSERT INTO frame_attempts (frame_id, video_id, frame_index, attempt, error, finished_at)
     SELECT $1, $2, $3, o, '{"errorClass":"Timeout","message":"timed out"}', now() - make_interval(secs => ago)
       FROM unnest($4::float8[]) WITH ORDINALITY AS u(ago, o)`,
    [frame[0]!.id, videoId, base + succeededAgo.length, failedAgo],
  );
  // Rows written directly, not by the settle statements: their counters are rebuilt from them.
  await rebuildThroughputCounters(pool, videoId);
}

/** Expected bucket counts, from the timestamps as stored. */
async function expectedBuckets(sql: string, videoId: string | null, bucketMs: number): Promise<Map<number, number>> {
  const { rows } = await pool.query<{ t: Date }>(sql, videoId ? [videoId] : []);
  const counts = new Map<number, number>();
  for (const { t } of rows) {
    const b = Math.floor(t.getTime() / bucketMs) * bucketMs;
    counts.set(b, (counts.get(b) ?? 0) + 1);
  }
  return counts;
}

describe("getVideoTimeline", () => {
  it("counts frames finished and attempts failed per 10 s bucket, inside the window only", async () => {
    const videoId = await insertVideo(pool);
    const other = await insertVideo(pool);
    await seedActivity(videoId, [1, 2, 3, 15, 15.5, 125, 3599, 3700, 7200], [4, 5, 300, 4000]);
    await seedActivity(videoId, [6, 7], [], "original"); // "encode anyway": not enhancement work
    await seedActivity(other, [1, 2, 3], [1]);

    const { points } = await getVideoTimeline(pool, videoId, parseTimelineParams(new URLSearchParams("minutes=60")));
    expect(points).toHaveLength(360);
    const times = points.map((p) => Date.parse(p.t));
    expect(times.every((t, i) => t % 10_000 === 0 && (i === 0 || t - times[i - 1]! === 10_000))).toBe(true);
    const lo = times[0]!;
    expect(Date.now() - lo).toBeLessThan(3600_000);

    const ok = await expectedBuckets(`SELECT finished_at AS t FROM frame_executions WHERE video_id = $1 AND status = 'succeeded' AND output_kind = 'enhanced'`, videoId, 10_000);
    const bad = await expectedBuckets(`SELECT finished_at AS t FROM frame_attempts WHERE video_id = $1`, videoId, 10_000);
    for (const p of points) {
      const t = Date.parse(p.t);
      expect([p.t, p.succeeded, p.failed]).toEqual([p.t, ok.get(t) ?? 0, bad.get(t) ?? 0]);
    }
    const total = (k: "succeeded" | "failed") => points.reduce((n, p) => n + p[k], 0);
    // 1, 2, 3, 15, 15.5, 125 and (unless the clock crossed a bucket edge) 3599 s ago; never 3700 or 7200.
    expect(total("succeeded")).toBeGreaterThanOrEqual(6);
    expect(total("succeeded")).toBeLessThanOrEqual(7);
    expect(total("failed")).toBe(3);
  });

  it("returns a zero-filled window for a video with no activity, and 404s an unknown video", async () => {
    const { points } = await getVideoTimeline(pool, await insertVideo(pool), parseTimelineParams(new URLSearchParams("minutes=5")));
    expect(points).toHaveLength(30);
    expect(points.every((p) => p.succeeded === 0 && p.failed === 0)).toBe(true);
    await expect(getVideoTimeline(pool, randomUUID(), { minutes: 60 })).rejects.toMatchObject({ code: "video_not_found" });
    expect(() => parseTimelineParams(new URLSearchParams("minutes=100000"))).toThrow();
  });
});

describe("getOpsSnapshot and /api/metrics", () => {
  const boss = createBoss(url, { max: 2, supervise: false });
  afterAll(() => boss.stop({ graceful: false, close: true }));

  it("reads empty queues and a closed breaker on a database where nothing ran yet", async () => {
    expect(await queueDepths(pool)).toEqual(["preprocess", "enhance", "thumbnails", "captions", "encode"].map((name) => ({ name, queued: 0, active: 0 })));
    const ops = await getOpsSnapshot(pool, config);
    expect(ops.enhancer).toEqual({
      mode: "http",
      breaker: { state: "closed", windowFailures: 0, openedAt: null, nextProbeAt: null },
      limits: { ratePerSec: 20, concurrency: 4 },
      inUse: { permits: 0, tokens: 2 },
    });
  });

  it("reports workers, queue depths, the breaker, permits and fleet throughput", async () => {
    await pool.query(
      `INSERT INTO workers (id, host, pid, concurrency, in_flight, started_at, last_seen_at, stopped_at) VALUES
         ('w-live', 'a', 10, 4, 3, now() - interval '1 hour', now() - interval '2 seconds', NULL),
         ('w-silent', 'b', 11, 4, 1, now() - interval '1 hour', now() - interval '40 seconds', NULL),
         ('w-stopped', 'c', 12, 4, 0, now() - interval '1 hour', now() - interval '1 second', now() - interval '1 second'),
         ('w-ancient', 'd', 13, 4, 0, now() - interval '3 days', now() - interval '2 days', NULL)`,
    );
    await pool.query(
      `INSERT INTO enhancer_state (id, tokens, breaker_state, window_failures, opened_at, next_probe_at)
       VALUES ('default', 0, 'open', 7, '2030-01-01T00:00:00Z', '2030-01-01T00:00:15Z')`,
    );
    await pool.query(
      `INSERT INTO enhancer_permits (id, worker_id, expires_at) VALUES
         (gen_random_uuid(), 'w-live', now() + interval '1 minute'), (gen_random_uuid(), 'w-live', now() + interval '1 minute'),
         (gen_random_uuid(), 'w-dead', now() - interval '1 minute')`,
    );
    await boss.start();
    await createQueues(boss);
    for (let i = 0; i < 3; i++) await boss.send("enhance", { videoId: randomUUID(), frameIndex: i });
    await boss.send("encode", { videoId: randomUUID() });
    expect(await boss.fetch("enhance")).toHaveLength(1);

    const done = await insertVideo(pool, { status: "completed", finishedAt: new Date(Date.now() - 2 * 3600_000).toISOString() });
    const live = await insertVideo(pool);
    // The enhance queue's depth is the running enhance stages' frame counters
    // (not its pg-boss jobs): a stage that is not running has nothing queued.
    await pool.query(`UPDATE video_stages SET status = 'running', pending = 2, running = 1 WHERE video_id = $1 AND name = 'enhance'`, [live]);
    await pool.query(`UPDATE video_stages SET status = 'failed', pending = 40, running = 0 WHERE video_id = $1 AND name = 'enhance'`, [done]);
    await seedActivity(live, [5, 70, 71, 4000], [65]);
    await seedActivity(done, [7500], [7600]);

    const ops = await getOpsSnapshot(pool, config);
    expect(ops.workers.map((w) => [w.id, w.online, w.inFlight])).toEqual([
      ["w-live", true, 3],
      ["w-stopped", false, 0],
      ["w-silent", false, 1],
    ]);
    expect(ops.queues).toEqual(expect.arrayContaining([
      { name: "enhance", queued: 2, active: 1 },
      { name: "encode", queued: 1, active: 0 },
      { name: "preprocess", queued: 0, active: 0 },
    ]));
    expect(ops.enhancer.breaker).toEqual({ state: "open", windowFailures: 7, openedAt: "2030-01-01T00:00:00.000Z", nextProbeAt: "2030-01-01T00:00:15.000Z" });
    expect(ops.enhancer.inUse.permits).toBe(2);
    expect(ops.throughput).toHaveLength(60);
    expect(ops.throughput.every((p) => Date.parse(p.t) % 60_000 === 0)).toBe(true);
    const sum = (k: "succeeded" | "failed") => ops.throughput.reduce((n, p) => n + p[k], 0);
    // Only the live video's frames from the last hour (5, 70, 71 s ago; 65 s ago failed), whatever the earlier tests seeded.
    expect(sum("succeeded")).toBeGreaterThanOrEqual(3);
    expect(sum("failed")).toBeGreaterThanOrEqual(1);

    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM frame_executions f JOIN videos v ON v.id = f.video_id
        WHERE f.status = 'succeeded' AND f.output_kind = 'enhanced' AND f.finished_at >= $1`,
      [ops.throughput[0]!.t],
    );
    expect(sum("succeeded")).toBe(rows[0]!.n);

    // Metrics: the same truth, as Prometheus text.
    await pool.query(`UPDATE video_stages SET pending = 5, running = 2, succeeded = 90, failed = 3 WHERE video_id = $1 AND name = 'enhance'`, [live]);
    const { body, contentType } = await renderMetrics(await readMetricsSnapshot(pool, limits), { processMetrics: false });
    expect(contentType).toMatch(/^text\/plain/);
    // Frames count every video's rows (the failed one's 40 pending too); the enhance queue only running stages'.
    expect(body).toContain('framewise_frames{status="pending"} 45');
    expect(body).toContain('framewise_frames{status="failed"} 3');
    expect(body).toContain('framewise_videos{status="completed"} 1');
    expect(body).toContain('framewise_queue_jobs{queue="enhance",state="queued"} 5');
    expect(body).toContain('framewise_queue_jobs{queue="enhance",state="active"} 2');
    expect(body).toContain('framewise_queue_jobs{queue="encode",state="queued"} 1');
    expect(body).toContain("framewise_enhancer_breaker_state 2");
    expect(body).toContain("framewise_workers_online 1");
    expect(body).toContain("framewise_enhancer_permits_in_use 2");

    await pool.query(`UPDATE enhancer_state SET breaker_state = 'half_open'`);
    expect((await getOpsSnapshot(pool, config)).enhancer.breaker.state).toBe("half-open");
    const withProcess = (await renderMetrics(await readMetricsSnapshot(pool, limits))).body;
    expect(withProcess).toContain("framewise_enhancer_breaker_state 1\n");
    expect(withProcess).toContain("framewise_web_process_cpu_seconds_total");
  });
});
