import type { BreakerState } from "../admission";
import type { EnhancerLimits } from "../limits";
import { ENHANCER_STATE_ID } from "./acquire-call";
import type { Queryable } from "./transaction";

export interface EnhancerStateView {
  breakerState: BreakerState;
  /** Failing frames in the breaker's window of recent calls (lib/enhance/sql/release-call.ts). */
  windowFailures: number;
  openedAt: Date | null;
  nextProbeAt: Date | null;
  /** A half-open probe call is out right now. */
  probeInFlight: boolean;
  /** Tokens in the bucket now (refilled to the database's now when limits are given). */
  tokens: number;
  /** Set while the fleet obeys a Retry-After. */
  pausedUntil: Date | null;
  /** Unexpired permits: calls in flight across the fleet. */
  permitsInUse: number;
  limits: EnhancerLimits | null;
  updatedAt: Date | null;
}

// Read-only and lock-free (no FOR UPDATE): the dashboard and /api/metrics must
// never queue behind acquirers. A LEFT JOIN so a database where no call was
// ever made reads as a closed breaker with a full bucket.
const READ_STATE = `
  SELECT s.tokens,
         (extract(epoch FROM s.refilled_at) * 1000)::float8 AS refilled_ms,
         s.breaker_state, s.window_failures, s.opened_at, s.next_probe_at,
         (s.probe_token IS NOT NULL AND s.probe_expires_at > now.t) AS probe_in_flight,
         s.updated_at,
         (extract(epoch FROM now.t) * 1000)::float8 AS now_ms,
         (SELECT count(*) FROM enhancer_permits p WHERE p.expires_at > now.t)::int AS in_use
    FROM (SELECT clock_timestamp() AS t) now
    LEFT JOIN enhancer_state s ON s.id = $1`;

interface Row {
  tokens: number | null;
  refilled_ms: number | null;
  breaker_state: BreakerState | null;
  window_failures: number | null;
  opened_at: Date | null;
  next_probe_at: Date | null;
  probe_in_flight: boolean | null;
  updated_at: Date | null;
  now_ms: number;
  in_use: number;
}

/** The limiter and breaker as the fleet sees them, for the API, dashboard and metrics. */
export async function readEnhancerState(db: Queryable, limits?: EnhancerLimits): Promise<EnhancerStateView> {
  const { rows } = await db.query<Row>(READ_STATE, [ENHANCER_STATE_ID]);
  const r = rows[0]!;
  let tokens = r.tokens ?? limits?.burst ?? 0;
  if (limits && r.refilled_ms !== null) {
    const elapsed = Math.max(0, r.now_ms - r.refilled_ms);
    tokens = Math.min(limits.burst, tokens + (elapsed * limits.ratePerSec) / 1000);
  }
  return {
    breakerState: r.breaker_state ?? "closed",
    windowFailures: r.window_failures ?? 0,
    openedAt: r.opened_at,
    nextProbeAt: r.next_probe_at,
    probeInFlight: r.probe_in_flight ?? false,
    tokens,
    pausedUntil: r.refilled_ms !== null && r.refilled_ms > r.now_ms ? new Date(r.refilled_ms) : null,
    permitsInUse: r.in_use,
    limits: limits ?? null,
    updatedAt: r.updated_at,
  };
}
