// The admission decision of acquireCall, as a pure function of the locked
// state row, the database clock and the permits in use; see
// sql/acquire-call.ts for the transaction around it.
import type { EnhancerLimits } from "./limits";

export type BreakerState = "closed" | "open" | "half_open";
export type RefusalReason = "rate" | "concurrency" | "breaker";

export interface LimiterState {
  tokens: number;
  /** Epoch ms; in the future while the fleet is paused by a Retry-After. */
  refilledMs: number;
  breakerState: BreakerState;
  nextProbeMs: number | null;
  probeToken: string | null;
  probeExpiresMs: number | null;
}

export type Admission =
  | { admit: true; tokens: number; refilledMs: number; probe: boolean }
  | { admit: false; reason: RefusalReason; waitMs: number };

/**
 * While a probe is out nobody knows when it will answer; waiters look again
 * this often (at most), which keeps a fleet of waiters to a few queries/s.
 */
export const PROBE_POLL_MS = 1000;
/** A permit frees up when some call ends, which no one can predict: back off briefly. */
export const CONCURRENCY_RETRY_MS = 50;

const EPSILON = 1e-9;

export function decideAdmission(
  state: LimiterState,
  nowMs: number,
  permitsInUse: number,
  limits: Pick<EnhancerLimits, "ratePerSec" | "burst" | "concurrency">,
  random: () => number = Math.random,
): Admission {
  // Breaker first: while the service is down, neither tokens nor slots matter.
  let probe = false;
  if (state.breakerState === "open") {
    if (state.nextProbeMs !== null && nowMs < state.nextProbeMs) {
      return { admit: false, reason: "breaker", waitMs: state.nextProbeMs - nowMs };
    }
    probe = true;
  } else if (state.breakerState === "half_open") {
    // Exactly one probe for the whole fleet; a probe whose permit lapsed
    // (its worker died) is replaced by the next caller.
    if (state.probeToken !== null && state.probeExpiresMs !== null && nowMs < state.probeExpiresMs) {
      return { admit: false, reason: "breaker", waitMs: Math.min(state.probeExpiresMs - nowMs, PROBE_POLL_MS) };
    }
    probe = true;
  }

  if (permitsInUse >= limits.concurrency) {
    return { admit: false, reason: "concurrency", waitMs: Math.round(CONCURRENCY_RETRY_MS * (0.5 + random())) };
  }

  // Token bucket refilled from the time elapsed since the last refill. A
  // refilledMs in the future is a fleet-wide pause (429 Retry-After): no
  // refill until then.
  const elapsedMs = Math.max(0, nowMs - state.refilledMs);
  const tokens = Math.min(limits.burst, state.tokens + (elapsedMs * limits.ratePerSec) / 1000);
  const refilledMs = Math.max(state.refilledMs, nowMs);
  if (tokens < 1 - EPSILON) {
    const pausedMs = Math.max(0, state.refilledMs - nowMs);
    return { admit: false, reason: "rate", waitMs: Math.ceil(pausedMs + ((1 - tokens) * 1000) / limits.ratePerSec) };
  }
  return { admit: true, tokens: tokens - 1, refilledMs, probe };
}
