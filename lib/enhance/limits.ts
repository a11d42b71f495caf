// The limits that protect the external service (invariant 6). They are not
// stored: every worker passes its own copy to acquireCall, so all workers must
// run with the same values (they do: all read the same environment).

export interface BreakerConfig {
  /** Consecutive service-side failures that open the breaker. */
  failureThreshold: number;
  /** How long the breaker stays open before one probe is let through. */
  openMs: number;
}

export interface EnhancerLimits {
  /** Calls per second across the fleet (token bucket refill rate). */
  ratePerSec: number;
  /** Bucket capacity: at most ratePerSec * T + burst calls in any T seconds. */
  burst: number;
  /** Calls in flight across the fleet. */
  concurrency: number;
  /**
   * Lifetime of a permit. Must exceed the call timeout: a permit that lapses
   * while its call is still running lets one call too many through. It is what
   * gives a killed worker's capacity back.
   */
  permitTtlMs: number;
  breaker: BreakerConfig;
}

export const DEFAULT_BREAKER: BreakerConfig = { failureThreshold: 5, openMs: 15_000 };

/** Headroom of a permit over the call timeout (sharp validation, GC pauses). */
const PERMIT_MARGIN_MS = 15_000;

export function limitsFromEnv(e: { ENHANCER_RATE_LIMIT: number; ENHANCER_CONCURRENCY: number; ENHANCER_TIMEOUT_MS: number }): EnhancerLimits {
  return {
    ratePerSec: e.ENHANCER_RATE_LIMIT,
    // A tenth of a second's worth: smooths the start of a run without letting
    // the fleet exceed the limit by more than ~10% in any one second.
    burst: Math.max(1, Math.ceil(e.ENHANCER_RATE_LIMIT / 10)),
    concurrency: e.ENHANCER_CONCURRENCY,
    permitTtlMs: e.ENHANCER_TIMEOUT_MS + PERMIT_MARGIN_MS,
    breaker: DEFAULT_BREAKER,
  };
}

/** Throws a readable message for a nonsensical limit (checked before any SQL). */
export function assertLimits(limits: EnhancerLimits): void {
  const problems: string[] = [];
  if (!(limits.ratePerSec > 0) || !Number.isFinite(limits.ratePerSec)) problems.push(`ratePerSec must be a positive number, got ${limits.ratePerSec}`);
  if (!(limits.burst >= 1) || !Number.isFinite(limits.burst)) problems.push(`burst must be at least 1, got ${limits.burst}`);
  if (!Number.isInteger(limits.concurrency) || limits.concurrency < 1) problems.push(`concurrency must be an integer >= 1, got ${limits.concurrency}`);
  if (!Number.isInteger(limits.permitTtlMs) || limits.permitTtlMs < 1) problems.push(`permitTtlMs must be an integer >= 1, got ${limits.permitTtlMs}`);
  assertBreaker(limits.breaker, problems);
  if (problems.length) throw new RangeError(`Invalid enhancer limits: ${problems.join("; ")}`);
}

export function assertBreaker(breaker: BreakerConfig, problems: string[] = []): string[] {
  if (!Number.isInteger(breaker.failureThreshold) || breaker.failureThreshold < 1) {
    problems.push(`breaker.failureThreshold must be an integer >= 1, got ${breaker.failureThreshold}`);
  }
  if (!Number.isInteger(breaker.openMs) || breaker.openMs < 0) problems.push(`breaker.openMs must be an integer >= 0, got ${breaker.openMs}`);
  return problems;
}
