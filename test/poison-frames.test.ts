import { afterAll, describe, expect, it } from "vitest";
import { startFakeEnhancer } from "@/lib/enhance/fake-service";
import { createTestPipeline } from "./support/pipeline";
import { seedEnhancingVideo, stageRow, startEnhance } from "./support/seed";
import { waitFor } from "./support/wait";
import { fakeServiceWorkerEnv, spawnWorker, type WorkerProcess } from "./support/worker-process";

// Issue 9.5: a video whose own bad frames are the only failures left at its
// tail must not look like an outage to the fleet breaker. 600 frames, every
// 10th answers 503 to its first two calls, FRAME_MAX_ATTEMPTS=2: the video
// ends with 60 failed frames about as fast as a video without failures.
describe("poison frames and the breaker", async () => {
  const { url, ctx, dataDir } = await createTestPipeline();
  const fake = await startFakeEnhancer({ latencyMs: 10 });
  const workers: WorkerProcess[] = [];
  afterAll(async () => {
    for (const w of workers) w.child.kill("SIGKILL");
    await fake.close();
  });

  const FRAMES = 600;
  // The defaults of production: a 15 s open interval is what turned a 30 s
  // video into a 10-minute one.
  const env = { FRAME_MAX_ATTEMPTS: "2", ENHANCER_BREAKER_THRESHOLD: "5", ENHANCER_BREAKER_OPEN_MS: "15000" };

  const settle = async (timeoutMs: number) => {
    const id = await seedEnhancingVideo({ ...ctx, frameMaxAttempts: 2 }, { frames: FRAMES });
    const started = Date.now();
    await startEnhance(ctx, id);
    const row = await waitFor(async () => {
      const s = await stageRow(ctx, id, "enhance");
      return s.status === "succeeded" || s.status === "failed" ? s : null;
    }, { timeoutMs, what: "the enhance stage to settle", describe: async () => JSON.stringify(await stageRow(ctx, id, "enhance")) });
    return { id, row, ms: Date.now() - started };
  };

  it("a video whose every 10th frame fails twice settles within a small multiple of its no-failure time", async () => {
    const started = [spawnWorker({ ...fakeServiceWorkerEnv({ databaseUrl: url, dataDir, enhancerUrl: fake.url }), ...env }), spawnWorker({ ...fakeServiceWorkerEnv({ databaseUrl: url, dataDir, enhancerUrl: fake.url }), ...env })];
    workers.push(...started);
    await Promise.all(started.map((w) => w.ready));

    const clean = await settle(300_000);
    expect(clean.row).toMatchObject({ status: "succeeded", succeeded: FRAMES });

    fake.setConfig({ flakyFrames: { every: 10, calls: 2, status: 503 } });
    // Bounded so the test fails in minutes, not hours, when the breaker stalls.
    const bound = 3 * clean.ms + 15_000;
    const poisoned = await settle(bound + 60_000);
    console.log(`poison frames: no-failure ${clean.ms} ms, with 60 bad frames ${poisoned.ms} ms (bound ${bound} ms)`);
    expect(poisoned.row).toMatchObject({ status: "failed", failed: FRAMES / 10, succeeded: FRAMES - FRAMES / 10 });
    expect(poisoned.ms).toBeLessThanOrEqual(bound);
    // Each bad frame was called exactly its two attempts: nothing paid twice.
    const perKey = Object.entries(fake.stats().perKey).filter(([k]) => k.startsWith(poisoned.id));
    expect(perKey.filter(([, n]) => n === 2)).toHaveLength(FRAMES / 10);
    expect(perKey.filter(([, n]) => n > 2)).toHaveLength(0);
  }, 600_000);
});
