import sharp from "sharp";
import { afterAll, describe, expect, it } from "vitest";
import { startFakeEnhancer } from "@/lib/enhance/fake-service";
import { EnhancedFrames } from "@/lib/pipeline/enhanced-frames";
import { createTestPipeline } from "./support/pipeline";
import { seedEnhancingVideo, stageRow, startEnhance } from "./support/seed";
import { waitFor } from "./support/wait";
import { fakeServiceWorkerEnv, spawnWorker, type WorkerProcess } from "./support/worker-process";

// Invariants 1, 2 and 6 with real worker processes, a real PostgreSQL and the
// fake enhancement service counting calls per Idempotency-Key.
describe("a fleet of worker processes", async () => {
  const { url, ctx, dataDir } = await createTestPipeline();
  const fake = await startFakeEnhancer({ latencyMs: 10 });
  afterAll(() => fake.close());

  const workers: WorkerProcess[] = [];
  const start = async (n: number, env: Record<string, string> = {}) => {
    const started = Array.from({ length: n }, () =>
      spawnWorker({ ...fakeServiceWorkerEnv({ databaseUrl: url, dataDir, enhancerUrl: fake.url }), ...env }),
    );
    workers.push(...started);
    await Promise.all(started.map((w) => w.ready));
    return started;
  };
  const stopAll = async () => {
    await Promise.all(workers.splice(0).map(async (w) => {
      w.child.kill("SIGTERM");
      await w.exited;
    }));
  };
  const calls = (videoId: string) => Object.entries(fake.stats().perKey).filter(([k]) => k.startsWith(videoId));
  const finished = (videoId: string) =>
    waitFor(async () => {
      const s = await stageRow(ctx, videoId, "enhance");
      return s.status === "succeeded" || s.status === "failed" ? s : null;
    }, { timeoutMs: 120_000, what: "the enhance stage to finish", describe: async () => JSON.stringify(await stageRow(ctx, videoId, "enhance")) });

  for (const n of [2, 4]) {
    it(`${n} workers on one video: every frame enhanced exactly once`, async () => {
      fake.reset();
      const id = await seedEnhancingVideo(ctx, { frames: 80 });
      await start(n);
      await startEnhance(ctx, id);
      expect(await finished(id)).toMatchObject({ status: "succeeded", succeeded: 80, failed: 0 });
      const perKey = calls(id);
      expect(perKey).toHaveLength(80);
      expect(perKey.every(([, count]) => count === 1)).toBe(true);
      await stopAll();
      // A graceful stop leaves nothing running.
      const { rows } = await ctx.pool.query(`SELECT count(*)::int AS n FROM frame_executions WHERE status = 'running'`);
      expect(rows[0].n).toBe(0);
    }, 180_000);
  }

  it("kill -9 of a worker mid-video: no frame lost, recorded frames never re-sent, repeats <= frames in flight", async () => {
    fake.reset();
    fake.setConfig({ latencyMs: 40 });
    const id = await seedEnhancingVideo(ctx, { frames: 160 });
    const [victim] = await start(1);
    await startEnhance(ctx, id);
    await waitFor(async () => (await stageRow(ctx, id, "enhance")).succeeded >= 40, { what: "40 frames done" });
    victim!.child.kill("SIGKILL");
    await victim!.exited;
    workers.splice(workers.indexOf(victim!), 1);
    const { rows: recorded } = await ctx.pool.query<{ frame_index: number }>(`SELECT frame_index FROM frame_executions WHERE video_id = $1 AND status = 'succeeded'`, [id]);
    const { rows: inFlight } = await ctx.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM frame_executions WHERE video_id = $1 AND status = 'running'`, [id]);
    const before = { ...fake.stats().perKey };

    await start(1);
    expect(await finished(id)).toMatchObject({ status: "succeeded", succeeded: 160, failed: 0 });
    const after = fake.stats().perKey;
    for (const { frame_index } of recorded) expect(after[`${id}:${frame_index}`], `frame ${frame_index}`).toBe(before[`${id}:${frame_index}`]);
    const repeats = Object.entries(after).filter(([k, c]) => k.startsWith(id) && c > 1).length;
    expect(repeats).toBeLessThanOrEqual(inFlight[0]!.n);
    expect(Object.keys(after).filter((k) => k.startsWith(id))).toHaveLength(160);
    await stopAll();
    fake.setConfig({ latencyMs: 10 });
  }, 180_000);

  it("a service outage opens the breaker: few calls while it is down, the video finishes after it", async () => {
    fake.reset();
    const id = await seedEnhancingVideo(ctx, { frames: 60 });
    const outageMs = 5000;
    await start(2, { ENHANCER_BREAKER_THRESHOLD: "3", ENHANCER_BREAKER_OPEN_MS: "1000" });
    const untilMs = Date.now() + outageMs;
    fake.setConfig({ outage: { untilMs, status: 503 } });
    await startEnhance(ctx, id);
    expect(await finished(id)).toMatchObject({ status: "succeeded", succeeded: 60, failed: 0 });
    const during = fake.stats().timestamps.filter((t) => t < untilMs).length;
    // Without the breaker: 60 frames x 5 attempts. With it: the threshold, the
    // calls already in flight when it opened (2 workers x 4), about one probe
    // per open interval, and slack for jittered retries that raced the opening.
    expect(during).toBeLessThanOrEqual(3 + 8 + Math.ceil(outageMs / 1000) + 6);
    const state = await ctx.pool.query(`SELECT breaker_state FROM enhancer_state WHERE id = 'default'`);
    expect(state.rows[0].breaker_state).toBe("closed");
    await stopAll();
    fake.setConfig({ outage: null });
  }, 180_000);

  it("a fleet-wide rate limit holds across 3 workers: no 1-second window above the limit plus burst", async () => {
    fake.reset();
    const rate = 25;
    const id = await seedEnhancingVideo(ctx, { frames: 100 });
    await start(3, { ENHANCER_RATE_LIMIT: String(rate) });
    await startEnhance(ctx, id);
    expect(await finished(id)).toMatchObject({ status: "succeeded", succeeded: 100 });
    const ts = fake.stats().timestamps.sort((a, b) => a - b);
    let worst = 0;
    for (let i = 0, j = 0; i < ts.length; i++) {
      while (ts[i]! - ts[j]! >= 1000) j++;
      worst = Math.max(worst, i - j + 1);
    }
    const burst = Math.max(1, Math.ceil(rate / 10));
    // The bucket grants at most burst + rate x T calls in any T seconds (its
    // own unit test checks that exactly); here the fake timestamps arrivals,
    // which trail the grants by a varying few ms on a loaded machine, so a
    // 1 s window of arrivals may hold the grants of ~1.05 s.
    const transportJitter = Math.ceil(rate * 0.05);
    expect(worst).toBeLessThanOrEqual(rate + burst + transportJitter);
    expect(worst).toBeGreaterThan(rate / 2); // the test did load the limiter
    await stopAll();
  }, 180_000);

  it("429 with Retry-After: no call for that frame before the time has passed, and no attempt spent", async () => {
    fake.reset();
    const id = await seedEnhancingVideo(ctx, { frames: 16 });
    fake.setConfig({ rateLimit429: { frames: [4, 11], retryAfterSec: 2, httpDate: false } });
    await start(1);
    await startEnhance(ctx, id);
    expect(await finished(id)).toMatchObject({ status: "succeeded", succeeded: 16 });
    for (const frame of [4, 11]) {
      const times = fake.stats().callTimes[`${id}:${frame}`] ?? [];
      expect(times, `frame ${frame}`).toHaveLength(2);
      expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(2000);
      const { rows } = await ctx.pool.query(`SELECT attempts, (SELECT count(*)::int FROM frame_attempts a WHERE a.frame_id = f.id) AS failed_attempts FROM frame_executions f WHERE video_id = $1 AND frame_index = $2`, [id, frame]);
      expect(rows[0]).toEqual({ attempts: 1, failed_attempts: 0 });
    }
    await stopAll();
    fake.setConfig({ rateLimit429: null });
  }, 180_000);

  it("a garbage 200 body is a failed attempt; the frame is retried and its output is a valid image of the right size", async () => {
    fake.reset();
    const id = await seedEnhancingVideo(ctx, { frames: 10 });
    fake.setConfig({ garbageFrames: [3, 7], wrongSizeFrames: [5] });
    await start(1);
    await startEnhance(ctx, id);
    expect(await finished(id)).toMatchObject({ status: "succeeded", succeeded: 10 });
    for (const frame of [3, 5, 7]) {
      const { rows } = await ctx.pool.query(`SELECT error FROM frame_attempts WHERE video_id = $1 AND frame_index = $2`, [id, frame]);
      expect(rows, `frame ${frame}`).toHaveLength(1);
      expect(rows[0].error.errorClass).toBe("InvalidResponse");
      const meta = await sharp((await new EnhancedFrames(ctx.pool, ctx.storage, id).read(frame))!).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(["jpeg", 64, 48]);
    }
    await stopAll();
    fake.setConfig({ garbageFrames: [], wrongSizeFrames: [] });
  }, 180_000);
});
