import pg from "pg";
import sharp from "sharp";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase } from "@/test/support/db";
import { enhanceGuarded } from "./call-guard";
import { createEnhancer } from "./enhancer";
import { startFakeEnhancer, type FakeEnhancer } from "./fake-service";
import type { EnhancerLimits } from "./limits";
import { readEnhancerState } from "./sql/read-enhancer-state";

// The whole of invariant 6 end to end: three "worker processes" (pools), an
// HTTP enhancer and the fake service, frames flowing through enhanceGuarded.

const { url, pool } = await createTestDatabase();
const fleet = [pool, ...[1, 2].map(() => new pg.Pool({ connectionString: url, max: 6 }))];
let fake: FakeEnhancer;
let frame: Buffer;
const VIDEO = "0d7c3b1e-6f4a-4b7e-8c2d-9e1f0a2b3c4d";

beforeAll(async () => {
  fake = await startFakeEnhancer({ latencyMs: 30 });
  frame = await sharp({ create: { width: 32, height: 24, channels: 3, background: "#345" } }).jpeg().toBuffer();
  await Promise.all(fleet.flatMap((p) => Array.from({ length: 6 }, () => p.query("SELECT 1"))));
});
afterAll(async () => {
  await fake.close();
  await Promise.all(fleet.slice(1).map((p) => p.end()));
});
beforeEach(async () => {
  fake.reset();
  await pool.query("DELETE FROM enhancer_permits");
  await pool.query("DELETE FROM enhancer_state");
});

interface FrameRun {
  attempts: number;
  deferrals: number;
  status: "pending" | "succeeded" | "failed";
}

/**
 * A miniature frame queue: `perPool` loops per pool take frames, call
 * enhanceGuarded, and reschedule deferred and failed frames the way the
 * worker does (deferrals and service waits do not count as attempts).
 */
async function runFleet(frameCount: number, limits: EnhancerLimits, perPool = 3, maxAttempts = 5) {
  const enhancer = createEnhancer({ kind: "http", url: fake.url, timeoutMs: 2000 });
  const runs = new Map<number, FrameRun>();
  const ready: { frameIndex: number; notBefore: number }[] = [];
  for (let i = 0; i < frameCount; i++) {
    runs.set(i, { attempts: 0, deferrals: 0, status: "pending" });
    ready.push({ frameIndex: i, notBefore: 0 });
  }
  const deadline = Date.now() + 20_000;
  let busy = 0;
  await Promise.all(
    fleet.flatMap((db, p) =>
      Array.from({ length: perPool }, async (_, w) => {
        while (ready.length > 0 || busy > 0) {
          if (Date.now() > deadline) throw new Error("fleet did not finish in time");
          const at = ready.findIndex((r) => r.notBefore <= Date.now());
          if (at < 0) {
            await new Promise((r) => setTimeout(r, 10));
            continue;
          }
          const { frameIndex } = ready.splice(at, 1)[0]!;
          const run = runs.get(frameIndex)!;
          busy++;
          const result = await enhanceGuarded(
            db,
            enhancer,
            { videoId: VIDEO, frameIndex, image: frame, width: 32, height: 24 },
            { workerId: `w${p}.${w}`, limits, maxWaitMs: 300 },
          );
          busy--;
          if (result.status === "enhanced") run.status = "succeeded";
          else if (result.status === "deferred") {
            run.deferrals++;
            ready.push({ frameIndex, notBefore: Date.now() + result.waitMs });
          } else {
            if (result.countsAsAttempt) run.attempts++;
            if (!result.error.retryable || run.attempts >= maxAttempts) run.status = "failed";
            else ready.push({ frameIndex, notBefore: Date.now() + Math.max(20, result.retryAfterMs ?? 0) });
          }
        }
      }),
    ),
  );
  return runs;
}

/** The most calls the fake saw in any window of `windowMs`. */
function busiestWindow(timestamps: number[], windowMs: number): number {
  const t = [...timestamps].sort((a, b) => a - b);
  let worst = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while (j < t.length && t[j]! < t[i]! + windowMs) j++;
    worst = Math.max(worst, j - i);
  }
  return worst;
}

const limits = (overrides: Partial<EnhancerLimits> = {}): EnhancerLimits => ({
  ratePerSec: 25,
  burst: 2,
  concurrency: 3,
  permitTtlMs: 10_000,
  breaker: { failureThreshold: 3, openMs: 300 },
  ...overrides,
});

describe("the fleet against the service", () => {
  it("holds the rate limit and the concurrency cap, and calls each frame exactly once", async () => {
    const l = limits();
    const runs = await runFleet(50, l);
    expect([...runs.values()].every((r) => r.status === "succeeded" && r.attempts === 0)).toBe(true);
    const stats = fake.stats();
    expect(stats.calls).toBe(50);
    expect(Object.values(stats.perKey).every((n) => n === 1)).toBe(true);
    expect(stats.maxConcurrent).toBeLessThanOrEqual(l.concurrency);
    // Arrival at the service trails the grant by a few ms of jitter, which can
    // squeeze one more call into a window than the grants had: hence + 1.
    expect(busiestWindow(stats.timestamps, 1000)).toBeLessThanOrEqual(l.ratePerSec + l.burst + 1);
  });

  it("during an outage the breaker keeps the fleet off the service, probes it, and resumes by itself", async () => {
    const outageMs = 1200;
    fake.setConfig({ outage: { untilMs: Date.now() + outageMs, status: 503, retryAfterSec: 0 } });
    const l = limits({ ratePerSec: 200, burst: 5 });
    const runs = await runFleet(30, l);
    expect([...runs.values()].every((r) => r.status === "succeeded")).toBe(true);
    const unavailable = fake.stats().byStatus[503] ?? 0;
    // threshold failures, the calls already in flight when it opened, then one
    // probe per open interval. Without the breaker: hundreds.
    const probes = Math.ceil(outageMs / l.breaker.openMs) + 1;
    expect(unavailable).toBeGreaterThanOrEqual(l.breaker.failureThreshold);
    expect(unavailable).toBeLessThanOrEqual(l.breaker.failureThreshold + (l.concurrency - 1) + probes);
    // Failed probes were waits, not attempts: no frame spent more than the
    // failures from before the breaker opened.
    const attempts = [...runs.values()].reduce((sum, r) => sum + r.attempts, 0);
    expect(attempts).toBeLessThanOrEqual(l.breaker.failureThreshold + l.concurrency - 1);
    expect(await readEnhancerState(pool)).toMatchObject({ breakerState: "closed", consecutiveFailures: 0, permitsInUse: 0 });
  });

  it("a 429 Retry-After pauses the whole fleet, without spending attempts", async () => {
    fake.setConfig({ rateLimit429: { calls: [1], retryAfterSec: 1, httpDate: false } });
    // 20 frames at 20/s: about a second of steady calls, 50 ms apart.
    const runs = await runFleet(20, limits({ ratePerSec: 20, burst: 1 }), 2);
    expect([...runs.values()].every((r) => r.status === "succeeded" && r.attempts === 0)).toBe(true);
    const stats = fake.stats();
    expect(stats.byStatus[429]).toBe(1);
    expect(stats.calls).toBe(21);
    // Once the 429 is released, nobody calls for a second: the calls stop
    // while most frames are still waiting (judged as the longest silence, as
    // the moment the pause was recorded depends on the machine's speed).
    const t = [...stats.timestamps].sort((a, b) => a - b);
    const longestSilence = Math.max(...t.slice(1).map((x, i) => x - t[i]!));
    expect(longestSilence).toBeGreaterThanOrEqual(800);
    const afterSilence = t.filter((x, i) => i > 0 && x - t[i - 1]! >= 800);
    expect(t.length - t.indexOf(afterSilence[0]!)).toBeGreaterThan(5);
  });
});
