import { assertBreaker, DEFAULT_BREAKER, type BreakerConfig } from "../limits";
import type { BreakerState } from "../admission";
import { ENHANCER_STATE_ID } from "./acquire-call";
import type { Queryable } from "./transaction";

/**
 * success: the service answered properly (closes the breaker).
 * failure: the service is failing (5xx, 408, timeout, connection error, garbage 200).
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
const PAUSE_SET = `
           tokens = CASE WHEN $3::float8 > 0 THEN LEAST(tokens, 0) ELSE tokens END,
           refilled_at = CASE WHEN $3::float8 > 0
                              THEN GREATEST(refilled_at, clock_timestamp() + $3::float8 * interval '1 millisecond')
                              ELSE refilled_at END`;

// Touches the state row only when there is something to reset, so that in
// steady state successful calls never queue on the acquirers' row lock.
// Unlike acquireCall, releases commit durably: they may run on a caller's
// connection, and one that only deletes a permit (the common case) holds no
// lock anyone waits on, so the WAL flush costs latency, not fleet throughput.
const RELEASE_SUCCESS = `
  WITH released AS (DELETE FROM enhancer_permits WHERE id = $1 RETURNING id),
       state AS (
         UPDATE enhancer_state
            SET breaker_state = 'closed', consecutive_failures = 0, opened_at = NULL, next_probe_at = NULL,
                probe_token = NULL, probe_expires_at = NULL, updated_at = clock_timestamp()
          WHERE id = $2 AND (breaker_state <> 'closed' OR consecutive_failures <> 0)
         RETURNING breaker_state
       )
  SELECT (SELECT count(*) FROM released)::int AS released, (SELECT breaker_state FROM state) AS breaker_state`;

// The breaker (re)opens when the failed call was the probe, or when a closed
// breaker reaches the threshold. Failures of calls that started before it
// opened only add to the count: they must not push the next probe back.
const REOPEN = `(COALESCE(probe_token = $1, false) OR (breaker_state = 'closed' AND consecutive_failures + 1 >= $4))`;
const RELEASE_FAILURE = `
  WITH released AS (DELETE FROM enhancer_permits WHERE id = $1 RETURNING id),
       state AS (
         UPDATE enhancer_state
            SET consecutive_failures = consecutive_failures + 1,
                breaker_state = CASE WHEN ${REOPEN} THEN 'open' ELSE breaker_state END,
                opened_at = CASE WHEN ${REOPEN} THEN clock_timestamp() ELSE opened_at END,
                next_probe_at = CASE WHEN ${REOPEN} THEN clock_timestamp() + $5::float8 * interval '1 millisecond'
                                     ELSE next_probe_at END,
                probe_token = CASE WHEN COALESCE(probe_token = $1, false) THEN NULL ELSE probe_token END,
                probe_expires_at = CASE WHEN COALESCE(probe_token = $1, false) THEN NULL ELSE probe_expires_at END,
                ${PAUSE_SET},
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
                ${PAUSE_SET},
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

  let sql: string;
  let params: unknown[];
  switch (outcome) {
    case "success":
      sql = RELEASE_SUCCESS;
      params = [permitId, ENHANCER_STATE_ID];
      break;
    case "failure":
      sql = RELEASE_FAILURE;
      params = [permitId, ENHANCER_STATE_ID, pauseMs, breaker.failureThreshold, breaker.openMs];
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
