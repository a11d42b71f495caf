import { randomUUID } from "node:crypto";
import type pg from "pg";
import { decideAdmission, PROBE_POLL_MS, type BreakerState, type LimiterState, type RefusalReason } from "../admission";
import { assertLimits, type EnhancerLimits } from "../limits";
import { inTransaction, type Queryable } from "./transaction";

/** The one row of enhancer_state: one external service, one set of limits. */
export const ENHANCER_STATE_ID = "default";

export type AcquireResult =
  | {
      ok: true;
      permitId: string;
      /** This call is the fleet's one half-open probe: its outcome closes or re-opens the breaker. */
      probe: boolean;
      /** When the permit lapses (database clock); the call must be over by then. */
      expiresAt: Date;
    }
  | {
      ok: false;
      reason: RefusalReason;
      /** Earliest useful moment to ask again. Refusals are not attempts: no call was made. */
      waitMs: number;
    };

export interface AcquireOptions extends EnhancerLimits {
  workerId: string;
  /** The frame has never failed before (default true): the preferred half-open probe. */
  fresh?: boolean;
}

// Serialises every acquirer of the fleet on the single state row. Only this
// row lock makes "count permits, then insert one" and "take a token" safe
// across machines, so everything that depends on it happens after it, in
// later statements: in READ COMMITTED each statement takes a fresh snapshot,
// so they see the permits and tokens committed by the previous lock holder (a
// single CTE statement would not: its snapshot predates the lock wait).
const LOCK_STATE = `
  SELECT tokens,
         (extract(epoch FROM refilled_at) * 1000)::float8      AS refilled_ms,
         breaker_state,
         (extract(epoch FROM next_probe_at) * 1000)::float8    AS next_probe_ms,
         probe_token,
         (extract(epoch FROM probe_expires_at) * 1000)::float8 AS probe_expires_ms,
         (extract(epoch FROM opened_at) * 1000)::float8        AS opened_ms,
         (extract(epoch FROM fresh_waiting_at) * 1000)::float8 AS fresh_waiting_ms
    FROM enhancer_state
   WHERE id = $1
     FOR UPDATE`;

// First use on a fresh database: a full bucket. DO NOTHING because another
// worker may insert it first (then we wait for it, and lock its row).
const CREATE_STATE = `
  INSERT INTO enhancer_state (id, tokens, refilled_at, updated_at)
  VALUES ($1, $2, clock_timestamp(), clock_timestamp())
  ON CONFLICT (id) DO NOTHING`;

// Under the lock: reads the clock (after the wait, so the refill is not
// computed from a stale "now"), reclaims permits of workers that died (their
// capacity would otherwise leak for good) and counts the live ones. The clock
// is truncated to the columns' millisecond precision so refilled_at stores
// exactly the instant the refill was computed for (no drift over many calls).
const RECLAIM_AND_COUNT = `
  WITH now AS (SELECT date_trunc('milliseconds', clock_timestamp()) AS t),
       reclaimed AS (
         DELETE FROM enhancer_permits p USING now WHERE p.expires_at <= now.t RETURNING p.id
       )
  SELECT (extract(epoch FROM now.t) * 1000)::float8 AS now_ms,
         (SELECT count(*) FROM enhancer_permits p WHERE p.expires_at > now.t)::int AS in_use,
         (SELECT count(*) FROM reclaimed)::int AS reclaimed
    FROM now`;

// Takes the token, claims the probe if this is one, and records the permit.
// $3, $6, $7 are epoch milliseconds computed from the clock read above.
const GRANT = `
  WITH state AS (
    UPDATE enhancer_state
       SET tokens = $2,
           refilled_at = to_timestamp($3::float8 / 1000),
           breaker_state = CASE WHEN $4::boolean THEN 'half_open' ELSE breaker_state END,
           probe_token = CASE WHEN $4::boolean THEN $5::uuid ELSE probe_token END,
           probe_expires_at = CASE WHEN $4::boolean THEN to_timestamp($6::float8 / 1000) ELSE probe_expires_at END,
           updated_at = to_timestamp($7::float8 / 1000)
     WHERE id = $1
  )
  INSERT INTO enhancer_permits (id, worker_id, expires_at, created_at)
  VALUES ($5, $8, to_timestamp($6::float8 / 1000), to_timestamp($7::float8 / 1000))`;

interface StateRow {
  tokens: number;
  refilled_ms: number;
  breaker_state: BreakerState;
  next_probe_ms: number | null;
  probe_token: string | null;
  probe_expires_ms: number | null;
  opened_ms: number | null;
  fresh_waiting_ms: number | null;
}

// A fresh frame turned away by the breaker leaves a mark, so that frames
// that failed before leave it the probe (decideAdmission). Written at most
// once per PROBE_POLL_MS, so a crowd of waiters does not turn into writes.
const MARK_FRESH_WAITING = `
  UPDATE enhancer_state SET fresh_waiting_at = to_timestamp($2::float8 / 1000)
   WHERE id = $1 AND (fresh_waiting_at IS NULL OR fresh_waiting_at < to_timestamp($2::float8 / 1000) - $3::float8 * interval '1 millisecond')`;

/**
 * Asks for permission to make one call to the external service, for the whole
 * fleet: breaker, concurrency cap and token bucket, in one short transaction.
 * On success the caller MUST call releaseCall with the permit once the call
 * has ended (the permit expires on its own after permitTtlMs otherwise).
 */
export async function acquireCall(db: Queryable, options: AcquireOptions): Promise<AcquireResult> {
  assertLimits(options);
  if (!options.workerId) throw new TypeError("workerId is required");
  return inTransaction(db, async (tx) => {
    const row = await lockState(tx, options.burst);
    const { rows } = await tx.query<{ now_ms: number; in_use: number }>(RECLAIM_AND_COUNT);
    const { now_ms: nowMs, in_use: inUse } = rows[0]!;
    const state: LimiterState = {
      tokens: row.tokens,
      refilledMs: row.refilled_ms,
      breakerState: row.breaker_state,
      nextProbeMs: row.next_probe_ms,
      probeToken: row.probe_token,
      probeExpiresMs: row.probe_expires_ms,
      openedMs: row.opened_ms,
      freshWaitingMs: row.fresh_waiting_ms,
    };
    const fresh = options.fresh ?? true;
    const decision = decideAdmission(state, nowMs, inUse, options, Math.random, { fresh });
    // A refusal writes nothing (the refill is a function of refilled_at, so
    // it is computed again, identically, by the next caller), except the
    // mark of a fresh frame waiting for the breaker.
    if (!decision.admit) {
      if (decision.reason === "breaker" && fresh) await tx.query(MARK_FRESH_WAITING, [ENHANCER_STATE_ID, nowMs, PROBE_POLL_MS]);
      return { ok: false, reason: decision.reason, waitMs: decision.waitMs };
    }
    const permitId = randomUUID();
    const expiresMs = nowMs + options.permitTtlMs;
    await tx.query(GRANT, [
      ENHANCER_STATE_ID,
      decision.tokens,
      decision.refilledMs,
      decision.probe,
      permitId,
      expiresMs,
      nowMs,
      options.workerId,
    ]);
    return { ok: true, permitId, probe: decision.probe, expiresAt: new Date(expiresMs) };
  });
}

async function lockState(tx: pg.PoolClient, burst: number): Promise<StateRow> {
  let { rows } = await tx.query<StateRow>(LOCK_STATE, [ENHANCER_STATE_ID]);
  if (rows.length === 0) {
    await tx.query(CREATE_STATE, [ENHANCER_STATE_ID, burst]);
    ({ rows } = await tx.query<StateRow>(LOCK_STATE, [ENHANCER_STATE_ID]));
  }
  const row = rows[0];
  if (!row) throw new Error("enhancer_state row missing after insert");
  return row;
}
