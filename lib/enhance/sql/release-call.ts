import { assertBreaker, DEFAULT_BREAKER, type BreakerConfig } from "../limits";
import type { BreakerState } from "../admission";
import { ENHANCER_STATE_ID } from "./acquire-call";
import type { Queryable } from "./transaction";

/**
 * success: the service answered properly (closes the breaker).
 * failure: the service may be failing (5xx, 408, timeout, connection error, garbage 200).
 * neutral: says nothing about the service's health (4xx, 429, our own abort).
 */
export type CallOutcome = "success" | "failure" | "neutral";

export interface ReleaseOptions {
  /** Must match the breaker config given to acquireCall (default DEFAULT_BREAKER). */
  breaker?: BreakerConfig;
  /**
   * Pause the whole fleet for this long (a 429 or 503 Retry-After): the
   * service's limit is global, so one worker obeying it alone would not help.
   */
  pauseMs?: number;
  /** The frame called: its key (one window entry per frame) and whether it had never failed before. */
  frame?: { key: string; fresh: boolean };
}

/** Calls the breaker judges the service over: twice the threshold, so one bad frame in a healthy stream never opens it. */
export function windowSize(breaker: BreakerConfig): number {
  return Math.max(4, 2 * breaker.failureThreshold);
}

export interface ReleaseResult {
  /** False when the permit had already expired and been reclaimed. */
  permitReleased: boolean;
  /** The breaker after this release, when the release changed the state row. */
  breakerState: BreakerState | null;
}

/** A misconfigured Retry-After (an hour, a date in 2099) must not freeze the fleet. */
export const MAX_PAUSE_MS = 60_000;

// Each variant is ONE statement, so no explicit transaction: the UPDATE locks
// the state row and, in READ COMMITTED, re-reads its latest version after any
// wait, so the CASE expressions below always see the current breaker. The
// permit is deleted whether or not it still exists (it may have expired and
// been reclaimed by an acquirer; the call happened all the same).
//
// A fleet-wide pause empties the bucket and moves refilled_at into the future;
// decideAdmission grants nothing until the bucket refills from then.
const pauseSet = (ms: string) => `
           tokens = CASE WHEN ${ms}::float8 > 0 THEN LEAST(tokens, 0) ELSE tokens END,
           refilled_at = CASE WHEN ${ms}::float8 > 0
                              THEN GREATEST(refilled_at, clock_timestamp() + ${ms}::float8 * interval '1 millisecond')
                              ELSE refilled_at END`;

// The breaker judges the service over a window of the last calls, one entry
// per distinct frame (a streak would read the tail of a video whose last
// frames are its bad ones as an outage). This expression is the window after
// the call being released: the frame's earlier entry dropped, this outcome
// appended, the oldest entries beyond the window's size cut. $3 is the
// frame's key, $4 the outcome (ok or not), $5 the window size. It reads the
// row's current health_window: in an UPDATE, SET expressions are evaluated
// on the latest row version once its lock is held.
const PUSHED = `(
  SELECT COALESCE(jsonb_agg(b.e ORDER BY b.n), '[]'::jsonb) FROM (
    SELECT a.e, a.n FROM (
      SELECT x.e, x.n FROM jsonb_array_elements(health_window) WITH ORDINALITY AS x(e, n) WHERE x.e->>'f' IS DISTINCT FROM $3::text
      UNION ALL SELECT jsonb_build_object('f', $3::text, 'ok', $4::boolean), 9223372036854775807
    ) a ORDER BY a.n DESC LIMIT $5
  ) b)`;
const PUSHED_FAILURES = `(SELECT count(*)::int FROM jsonb_array_elements(${PUSHED}) w WHERE w->>'ok' = 'false')`;

// A success closes the breaker, whatever its state, and starts its window
// afresh. It touches the state row only when there is something to change,
// so that in steady state successful calls never queue on the acquirers' row
// lock. Unlike acquireCall, releases commit durably: they may run on a
// caller's connection, and one that only deletes a permit (the common case)
// holds no lock anyone waits on, so the WAL flush costs latency, not fleet
// throughput.
const RELEASE_SUCCESS = `
  WITH released AS (DELETE FROM enhancer_permits WHERE id = $1 RETURNING id),
       state AS (
         UPDATE enhancer_state
            SET health_window = CASE WHEN breaker_state <> 'closed' THEN jsonb_build_array(jsonb_build_object('f', $3::text, 'ok', true)) ELSE ${PUSHED} END,
                window_failures = CASE WHEN breaker_state <> 'closed' THEN 0 ELSE ${PUSHED_FAILURES} END,
                breaker_state = 'closed', opened_at = NULL, next_probe_at = NULL,
                probe_token = NULL, probe_expires_at = NULL, updated_at = clock_timestamp()
          WHERE id = $2 AND (breaker_state <> 'closed' OR window_failures <> 0)
         RETURNING breaker_state
       )
  SELECT (SELECT count(*) FROM released)::int AS released, (SELECT breaker_state FROM state) AS breaker_state`;

// The breaker (re)opens when the failed call was the probe, or when a closed
// breaker's window holds failureThreshold failing frames that are at least
// half of its entries: a service that fails one frame in ten is up. Failures
// of calls that started before it opened only enter the window: they must
// not push the next probe back.
const REOPEN = `(COALESCE(probe_token = $1, false) OR (breaker_state = 'closed' AND ${PUSHED_FAILURES} >= $6 AND 2 * ${PUSHED_FAILURES} >= jsonb_array_length(${PUSHED})))`;
const RELEASE_FAILURE = `
  WITH released AS (DELETE FROM enhancer_permits WHERE id = $1 RETURNING id),
       state AS (
         UPDATE enhancer_state
            SET health_window = ${PUSHED},
                window_failures = ${PUSHED_FAILURES},
                breaker_state = CASE WHEN ${REOPEN} THEN 'open' ELSE breaker_state END,
                opened_at = CASE WHEN ${REOPEN} THEN clock_timestamp() ELSE opened_at END,
                next_probe_at = CASE WHEN ${REOPEN} THEN clock_timestamp() + $7::float8 * interval '1 millisecond'
                                     ELSE next_probe_at END,
                probe_token = CASE WHEN COALESCE(probe_token = $1, false) THEN NULL ELSE probe_token END,
                probe_expires_at = CASE WHEN COALESCE(probe_token = $1, false) THEN NULL ELSE probe_expires_at END,
                ${pauseSet("$8")},
                updated_at = clock_timestamp()
          WHERE id = $2
         RETURNING breaker_state
       )
  SELECT (SELECT count(*) FROM released)::int AS released, (SELECT breaker_state FROM state) AS breaker_state`;

// A neutral probe (say a 422 for that frame) proves nothing either way: free
// the probe slot so the next caller probes, instead of the fleet waiting for
// the probe's permit to expire.
const RELEASE_NEUTRAL = `
  WITH released AS (DELETE FROM enhancer_permits WHERE id = $1 RETURNING id),
       state AS (
         UPDATE enhancer_state
            SET probe_token = CASE WHEN COALESCE(probe_token = $1, false) THEN NULL ELSE probe_token END,
                probe_expires_at = CASE WHEN COALESCE(probe_token = $1, false) THEN NULL ELSE probe_expires_at END,
                ${pauseSet("$3")},
                updated_at = clock_timestamp()
          WHERE id = $2 AND (COALESCE(probe_token = $1, false) OR $3::float8 > 0)
         RETURNING breaker_state
       )
  SELECT (SELECT count(*) FROM released)::int AS released, (SELECT breaker_state FROM state) AS breaker_state`;

/** Ends a call admitted by acquireCall and feeds its outcome to the breaker. */
export async function releaseCall(
  db: Queryable,
  permitId: string,
  outcome: CallOutcome,
  options: ReleaseOptions = {},
): Promise<ReleaseResult> {
  const breaker = options.breaker ?? DEFAULT_BREAKER;
  const problems = assertBreaker(breaker);
  if (problems.length) throw new RangeError(`Invalid breaker config: ${problems.join("; ")}`);
  const pauseMs = Math.min(Math.max(0, Math.round(options.pauseMs ?? 0)), MAX_PAUSE_MS);

  // A frame that failed before may be bad on its own: its failure says
  // nothing about the service, and its own retry schedule (backoff, attempt
  // limit) already bounds its calls. It does not enter the window.
  const effective = outcome === "failure" && options.frame?.fresh === false ? "neutral" : outcome;
  // Without a frame (a caller that does not know it), every call is its own entry.
  const key = options.frame?.key ?? permitId;
  const size = windowSize(breaker);
  let sql: string;
  let params: unknown[];
  switch (effective) {
    case "success":
      sql = RELEASE_SUCCESS;
      params = [permitId, ENHANCER_STATE_ID, key, true, size];
      break;
    case "failure":
      sql = RELEASE_FAILURE;
      params = [permitId, ENHANCER_STATE_ID, key, false, size, breaker.failureThreshold, breaker.openMs, pauseMs];
      break;
    case "neutral":
      sql = RELEASE_NEUTRAL;
      params = [permitId, ENHANCER_STATE_ID, pauseMs];
      break;
    default:
      throw new TypeError(`unknown call outcome ${String(outcome)}`);
  }
  const { rows } = await db.query<{ released: number; breaker_state: BreakerState | null }>(sql, params);
  return { permitReleased: rows[0]!.released > 0, breakerState: rows[0]!.breaker_state };
}
