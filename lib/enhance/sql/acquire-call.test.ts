import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase } from "@/test/support/db";
import type { EnhancerLimits } from "../limits";
import { acquireCall, type AcquireResult } from "./acquire-call";
import { readEnhancerState } from "./read-enhancer-state";
import { releaseCall } from "./release-call";

const { url, pool } = await createTestDatabase();
// Three pools stand for three worker processes on different machines.
const fleet = [pool, ...[1, 2].map(() => new pg.Pool({ connectionString: url, max: 6 }))];
afterAll(() => Promise.all(fleet.slice(1).map((p) => p.end())));
// Open every connection up front: connecting inside a timed scenario would
// stretch it past the breaker's open interval.
beforeAll(() => Promise.all(fleet.flatMap((p) => Array.from({ length: 6 }, () => p.query("SELECT 1")))));

const limits = (overrides: Partial<EnhancerLimits> = {}): EnhancerLimits => ({
  ratePerSec: 1000,
  burst: 10,
  concurrency: 100,
  permitTtlMs: 10_000,
  breaker: { failureThreshold: 5, openMs: 1000 },
  ...overrides,
});
const acquire = (l: EnhancerLimits, db: pg.Pool = pool, workerId = "w1") => acquireCall(db, { workerId, ...l });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeEach(async () => {
  await pool.query("DELETE FROM enhancer_permits");
  await pool.query("DELETE FROM enhancer_state");
});

/** Runs `perPool` loops on each pool of the fleet until `durationMs` has passed. */
async function hammer(durationMs: number, perPool: number, loop: (db: pg.Pool) => Promise<void>) {
  const until = Date.now() + durationMs;
  await Promise.all(
    fleet.flatMap((db) =>
      Array.from({ length: perPool }, async () => {
        while (Date.now() < until) await loop(db);
      }),
    ),
  );
}

describe("token bucket", () => {
  it("starts full and refuses with the time to the next token once empty", async () => {
    const l = limits({ ratePerSec: 2, burst: 3 });
    for (let i = 0; i < 3; i++) expect(await acquire(l)).toMatchObject({ ok: true, probe: false });
    const refused = await acquire(l);
    expect(refused).toMatchObject({ ok: false, reason: "rate" });
    if (refused.ok) return;
    expect(refused.waitMs).toBeGreaterThan(300);
    expect(refused.waitMs).toBeLessThanOrEqual(500);
  });

  it("with many concurrent acquirers on three pools, no 1-second window exceeds rate + burst", async () => {
    const rate = 40;
    const burst = 4;
    const l = limits({ ratePerSec: rate, burst });
    const granted: number[] = [];
    await hammer(3000, 5, async (db) => {
      const r = await acquire(l, db);
      if (r.ok) {
        // The grant instant on the database clock (permits expire grant + TTL).
        granted.push(r.expiresAt.getTime() - l.permitTtlMs);
        await releaseCall(db, r.permitId, "success");
      } else {
        await sleep(Math.min(r.waitMs, 25) * Math.random());
      }
    });
    granted.sort((a, b) => a - b);
    let worst = 0;
    for (let i = 0, j = 0; i < granted.length; i++) {
      while (j < granted.length && granted[j]! < granted[i]! + 1000) j++;
      worst = Math.max(worst, j - i);
    }
    expect(worst).toBeLessThanOrEqual(rate + burst);
    // ...and it does let calls through: a limiter that refused everything
    // would pass the check above. (Lenient: on a starved CI machine tokens
    // are lost whenever no acquirer comes by while the bucket is full.)
    expect(granted.length).toBeGreaterThanOrEqual(rate * 3 * 0.5);
    expect(granted.length).toBeLessThanOrEqual(rate * 3 + burst + 1);
  });

  it("a Retry-After pause stops the whole fleet until it ends", async () => {
    const l = limits({ ratePerSec: 100, burst: 5 });
    const first = await acquire(l);
    if (!first.ok) throw new Error("expected a permit");
    await releaseCall(pool, first.permitId, "neutral", { pauseMs: 400 });
    const state = await readEnhancerState(pool, l);
    expect(state.pausedUntil).not.toBeNull();
    expect(state.tokens).toBe(0);
    const refused = await acquire(l, fleet[1]);
    expect(refused).toMatchObject({ ok: false, reason: "rate" });
    if (refused.ok) return;
    expect(refused.waitMs).toBeGreaterThan(300);
    expect(refused.waitMs).toBeLessThanOrEqual(420);
    await sleep(refused.waitMs);
    expect(await acquire(l, fleet[2])).toMatchObject({ ok: true });
  });
});

describe("concurrency cap", () => {
  it("is never exceeded across the fleet, and is reached", async () => {
    const cap = 3;
    const l = limits({ concurrency: cap });
    let live = 0;
    let maxLive = 0;
    let refusals = 0;
    await hammer(1500, 4, async (db) => {
      const r = await acquire(l, db);
      if (!r.ok) {
        expect(r.reason).toBe("concurrency");
        refusals++;
        await sleep(r.waitMs * Math.random());
        return;
      }
      // Counted after the permit is committed and before it is released, so
      // this count can only lag the table, never lead it.
      live++;
      maxLive = Math.max(maxLive, live);
      await sleep(5 + Math.random() * 20);
      live--;
      await releaseCall(db, r.permitId, "success");
    });
    expect(maxLive).toBe(cap);
    expect(refusals).toBeGreaterThan(0);
    expect((await readEnhancerState(pool)).permitsInUse).toBe(0);
  });

  it("reclaims the permits of a worker that died, once they expire", async () => {
    const l = limits({ concurrency: 2, permitTtlMs: 300 });
    const held: AcquireResult[] = [await acquire(l, pool, "dead"), await acquire(l, pool, "dead")];
    expect(held.every((h) => h.ok)).toBe(true);
    expect(await acquire(l, fleet[1], "alive")).toMatchObject({ ok: false, reason: "concurrency" });
    expect((await readEnhancerState(pool)).permitsInUse).toBe(2);

    // Once both have expired (database clock; a margin for the clocks to
    // disagree), the next acquirer reclaims them and gets a permit.
    const lastExpiry = Math.max(...held.map((h) => (h.ok ? h.expiresAt.getTime() : 0)));
    await sleep(lastExpiry - Date.now() + 50);
    expect(await acquire(l, fleet[1], "alive")).toMatchObject({ ok: true });
    const { rows } = await pool.query<{ worker_id: string }>("SELECT worker_id FROM enhancer_permits");
    expect(rows.map((p) => p.worker_id)).toEqual(["alive"]);
    // Releasing a reclaimed permit is harmless and says so.
    const first = held[0]!;
    if (first.ok) expect(await releaseCall(pool, first.permitId, "success")).toEqual({ permitReleased: false, breakerState: null });
  });
});

it("commits asynchronously without leaking that to the connection, which frame writes share", async () => {
  const client = await pool.connect();
  try {
    expect(await acquireCall(client, { workerId: "w", ...limits() })).toMatchObject({ ok: true });
    const { rows } = await client.query<{ synchronous_commit: string }>("SHOW synchronous_commit");
    expect(rows[0]!.synchronous_commit).toBe("on");
  } finally {
    client.release();
  }
});

it("rejects nonsensical limits before touching the database", async () => {
  await expect(acquire(limits({ ratePerSec: 0 }))).rejects.toThrow(/ratePerSec must be a positive number/);
  await expect(acquire(limits({ concurrency: 1.5 }))).rejects.toThrow(/concurrency must be an integer/);
});
