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
  /** When the breaker last opened (epoch ms). */
  openedMs?: number | null;
  /** The last time a frame that never failed before was refused by the breaker (epoch ms). */
  freshWaitingMs?: number | null;
}

/** Who asks: a frame that has never failed (fresh) is the better probe, since its failure says something about the service. */
export interface Caller {
  fresh: boolean;
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
  limits: Pick<EnhancerLimits, "ratePerSec" | "burst" | "concurrency"> & { breaker?: { openMs: number } },
  random: () => number = Math.random,
  caller: Caller = { fresh: true },
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
  // The probe decides whether the fleet resumes. A frame that failed before
  // may be bad on its own (a poison frame), and its failure would keep the
  // breaker open with the service fine; so while a fresh frame has been
  // waiting since the breaker opened, the probe is left to it. The memory is
  // bounded, so frames that failed before are never starved when no fresh
  // frame is left (a canceled video, the tail of a video).
  if (probe && !caller.fresh && state.freshWaitingMs != null && state.freshWaitingMs >= (state.openedMs ?? 0)) {
    const memoryMs = (limits.breaker?.openMs ?? 0) + 2 * PROBE_POLL_MS;
    if (nowMs - state.freshWaitingMs < memoryMs) return { admit: false, reason: "breaker", waitMs: PROBE_POLL_MS };
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
