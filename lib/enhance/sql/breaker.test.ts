import pg from "pg";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { createTestDatabase } from "@/test/support/db";
import { PROBE_POLL_MS } from "../admission";
import type { EnhancerLimits } from "../limits";
import { acquireCall, type AcquireResult } from "./acquire-call";
import { readEnhancerState } from "./read-enhancer-state";
import { releaseCall, type CallOutcome } from "./release-call";

const { url, pool } = await createTestDatabase();
const fleet = [pool, ...[1, 2].map(() => new pg.Pool({ connectionString: url, max: 6 }).on("error", () => {}))];
// (The error listener: dropping the database after the file may reach a connection of a pool still ending.)
afterAll(() => Promise.all(fleet.slice(1).map((p) => p.end())));
// Open every connection up front: connecting inside a timed scenario would
// stretch it past the breaker's open interval.
beforeAll(() => Promise.all(fleet.flatMap((p) => Array.from({ length: 6 }, () => p.query("SELECT 1")))));

const OPEN_MS = 400;
const limits = (overrides: Partial<EnhancerLimits> = {}): EnhancerLimits => ({
  ratePerSec: 10_000,
  burst: 100,
  concurrency: 100,
  permitTtlMs: 10_000,
  breaker: { failureThreshold: 3, openMs: OPEN_MS },
  ...overrides,
});
const L = limits();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const acquire = (db: pg.Pool = pool, l = L) => acquireCall(db, { workerId: "w", ...l });

async function call(outcome: CallOutcome, l = L): Promise<AcquireResult> {
  const r = await acquire(pool, l);
  if (r.ok) await releaseCall(pool, r.permitId, outcome, { breaker: l.breaker });
  return r;
}

/** 30 callers at once, spread over three pools. */
function stampede(): Promise<AcquireResult[]> {
  return Promise.all(Array.from({ length: 30 }, (_, i) => acquire(fleet[i % 3])));
}

/** Waits until the open breaker lets a probe through (bounded). */
async function untilProbeDue() {
  const state = await readEnhancerState(pool);
  if (state.nextProbeAt) await sleep(Math.max(0, state.nextProbeAt.getTime() - Date.now()) + 20);
}

beforeEach(async () => {
  await pool.query("DELETE FROM enhancer_permits");
  await pool.query("DELETE FROM enhancer_state");
});

let frameNo = 0;
/** One call for a frame (a new one unless `key` is given), released with `outcome`. */
async function callFrame(outcome: CallOutcome, frame: { key?: string; fresh?: boolean; db?: pg.Pool } = {}): Promise<AcquireResult> {
  const fresh = frame.fresh ?? true;
  const r = await acquireCall(frame.db ?? pool, { workerId: "w", ...L, fresh });
  if (r.ok) await releaseCall(frame.db ?? pool, r.permitId, outcome, { breaker: L.breaker, frame: { key: frame.key ?? `v:${frameNo++}`, fresh } });
  return r;
}

it("judges the service over a window of distinct frames: one bad frame in ten never opens it, a run of failing frames does", async () => {
  // Window: 2 x threshold = 6 frames. Every 10th frame fails: never open.
  for (let i = 0; i < 40; i++) {
    await callFrame(i % 10 === 5 ? "failure" : "success");
    expect((await readEnhancerState(pool)).breakerState, `call ${i}`).toBe("closed");
  }
  await callFrame("neutral"); // a 4xx or 429 says nothing about the service's health
  // Two bad frames back to back among good ones: still up.
  for (const outcome of ["failure", "failure", "success", "success", "success", "success"] as const) await callFrame(outcome);
  expect(await readEnhancerState(pool)).toMatchObject({ breakerState: "closed", windowFailures: 2 });
  // Three more failing frames: 3 of the last 6 frames failed, the threshold.
  await callFrame("failure");
  await callFrame("failure");
  expect(await readEnhancerState(pool)).toMatchObject({ breakerState: "closed" });
  await callFrame("failure");
  const state = await readEnhancerState(pool);
  expect(state).toMatchObject({ breakerState: "open", windowFailures: 3 });
  expect(state.nextProbeAt!.getTime() - state.openedAt!.getTime()).toBeGreaterThanOrEqual(OPEN_MS);
  expect(state.nextProbeAt!.getTime() - state.openedAt!.getTime()).toBeLessThan(OPEN_MS + 50);
});

it("one frame failing again and again is one failing frame, and frames that failed before do not open it", async () => {
  for (let i = 0; i < 5; i++) await callFrame("failure", { key: "v:bad" });
  expect(await readEnhancerState(pool)).toMatchObject({ breakerState: "closed", windowFailures: 1 });
  // The tail of a video whose only frames left are its bad ones: their own
  // retry schedule bounds their calls; the fleet is not held back for them.
  for (let i = 0; i < 20; i++) await callFrame("failure", { fresh: false });
  expect(await readEnhancerState(pool)).toMatchObject({ breakerState: "closed", windowFailures: 1 });
});

it("a success closes it; a fresh frame waiting is the probe, before a frame that failed before", async () => {
  for (let i = 0; i < 3; i++) await callFrame("failure");
  expect(await readEnhancerState(pool)).toMatchObject({ breakerState: "open" });
  // A fresh frame arrives while it is open and is turned away: it is remembered.
  expect(await acquireCall(pool, { workerId: "w", ...L, fresh: true })).toMatchObject({ ok: false, reason: "breaker" });
  await untilProbeDue();
  // A frame that failed before does not take the probe from it...
  const retried = await acquireCall(fleet[1]!, { workerId: "w", ...L, fresh: false });
  expect(retried).toMatchObject({ ok: false, reason: "breaker" });
  // ...the fresh frame does.
  const probe = await acquireCall(fleet[2]!, { workerId: "w", ...L, fresh: true });
  expect(probe).toMatchObject({ ok: true, probe: true });
  if (!probe.ok) return;
  await releaseCall(pool, probe.permitId, "success", { breaker: L.breaker, frame: { key: "v:probe", fresh: true } });
  expect(await readEnhancerState(pool)).toMatchObject({ breakerState: "closed", windowFailures: 0, nextProbeAt: null });

  // With no fresh frame waiting, a frame that failed before may probe.
  for (let i = 0; i < 3; i++) await callFrame("failure");
  await untilProbeDue();
  expect(await acquireCall(pool, { workerId: "w", ...L, fresh: false })).toMatchObject({ ok: true, probe: true });
});

const grantedAt = (r: AcquireResult, l = L) => (r.ok ? r.expiresAt.getTime() - l.permitTtlMs : NaN);

/**
 * A stampede while the breaker is open, then another once the probe is due.
 * Judged on the database's clock, not on how fast a loaded machine ran them.
 */
async function stampedesAcrossProbeTime() {
  const { nextProbeAt } = await readEnhancerState(pool);
  const during = await stampede();
  await untilProbeDue();
  const after = await stampede();
  return { nextProbeAt: nextProbeAt!.getTime(), during, all: [...during, ...after] };
}

it("while open, refuses everyone with the time to the next probe; then lets exactly one probe through for the fleet", async () => {
  for (let i = 0; i < 3; i++) await call("failure");
  // eslint-disable-next-line prefer-const -- nextProbeAt and all are reassigned below
  let { nextProbeAt, during, all } = await stampedesAcrossProbeTime();
  let granted = all.filter((r) => r.ok);
  expect(granted).toHaveLength(1);
  expect(granted[0]).toMatchObject({ ok: true, probe: true });
  expect(grantedAt(granted[0]!)).toBeGreaterThanOrEqual(nextProbeAt);
  expect(all.every((r) => r.ok || r.reason === "breaker")).toBe(true);
  // Until the next probe is due, or (once a probe is out) a short poll.
  expect(during.every((r) => r.ok || (r.waitMs > 0 && r.waitMs <= Math.max(OPEN_MS, PROBE_POLL_MS)))).toBe(true);
  expect(await readEnhancerState(pool)).toMatchObject({ breakerState: "half_open", probeInFlight: true, permitsInUse: 1 });

  // The probe fails: open again for another openMs, and again one probe.
  const probe = granted[0]!;
  if (!probe.ok) return;
  expect(await releaseCall(fleet[1]!, probe.permitId, "failure", { breaker: L.breaker })).toEqual({ permitReleased: true, breakerState: "open" });
  ({ nextProbeAt, all } = await stampedesAcrossProbeTime());
  granted = all.filter((r) => r.ok);
  expect(granted).toHaveLength(1);
  expect(grantedAt(granted[0]!)).toBeGreaterThanOrEqual(nextProbeAt);

  // This probe succeeds: closed, and the whole fleet is admitted again.
  const second = granted[0]!;
  if (!second.ok) return;
  await releaseCall(fleet[2]!, second.permitId, "success");
  expect(await readEnhancerState(pool)).toMatchObject({ breakerState: "closed", windowFailures: 0, probeInFlight: false, nextProbeAt: null });
  expect((await stampede()).every((r) => r.ok && !r.probe)).toBe(true);
});

it("with the service down and the fleet hammering, one probe per open interval reaches it", async () => {
  for (let i = 0; i < 3; i++) await call("failure");
  const durationMs = 2000;
  const until = Date.now() + durationMs;
  const probeTimes: number[] = [];
  let others = 0;
  await Promise.all(
    Array.from({ length: 12 }, async (_, i) => {
      const db = fleet[i % 3]!;
      while (Date.now() < until) {
        const r = await acquire(db);
        if (!r.ok) {
          await sleep(Math.min(r.waitMs, 30) * Math.random());
          continue;
        }
        if (r.probe) probeTimes.push(grantedAt(r));
        else others++;
        await sleep(10); // the call, failing
        await releaseCall(db, r.permitId, "failure", { breaker: L.breaker });
      }
    }),
  );
  expect(others).toBe(0);
  // Probes at ~400, ~810, ~1220, ~1630 ms: each one re-opens the breaker for OPEN_MS.
  probeTimes.sort((a, b) => a - b);
  expect(probeTimes.length).toBeGreaterThanOrEqual(3);
  expect(probeTimes.length).toBeLessThanOrEqual(Math.ceil(durationMs / OPEN_MS));
  for (let i = 1; i < probeTimes.length; i++) expect(probeTimes[i]! - probeTimes[i - 1]!).toBeGreaterThanOrEqual(OPEN_MS);
});

it("a probe whose worker died is replaced once its permit expires", async () => {
  const l = limits({ permitTtlMs: 300 });
  for (let i = 0; i < 3; i++) await call("failure", l);
  await untilProbeDue();
  const lost = await acquire(pool, l);
  expect(lost).toMatchObject({ ok: true, probe: true });
  const waiting = await acquire(fleet[1], l);
  expect(waiting).toMatchObject({ ok: false, reason: "breaker" });
  if (waiting.ok) return;
  expect(waiting.waitMs).toBeLessThanOrEqual(300);
  await sleep(waiting.waitMs + 20);
  expect(await acquire(fleet[1], l)).toMatchObject({ ok: true, probe: true });
});

it("a neutral probe (a 4xx for its frame) frees the probe slot at once", async () => {
  for (let i = 0; i < 3; i++) await call("failure");
  await untilProbeDue();
  const probe = await acquire();
  if (!probe.ok) throw new Error("expected the probe");
  await releaseCall(pool, probe.permitId, "neutral");
  expect(await readEnhancerState(pool)).toMatchObject({ breakerState: "half_open", probeInFlight: false });
  expect(await acquire(fleet[1])).toMatchObject({ ok: true, probe: true });
});

it("failures of calls that started before the breaker opened do not push the next probe back", async () => {
  const inFlight = await Promise.all([acquire(), acquire()]);
  for (let i = 0; i < 3; i++) await call("failure");
  const { nextProbeAt } = await readEnhancerState(pool);
  await sleep(20);
  for (const r of inFlight) if (r.ok) await releaseCall(pool, r.permitId, "failure", { breaker: L.breaker });
  expect(await readEnhancerState(pool)).toMatchObject({ breakerState: "open", windowFailures: 5, nextProbeAt });
});
