import type { RefusalReason } from "./admission";
import type { EnhanceInput, Enhancer } from "./enhancer";
import { EnhanceError, classifyError } from "./errors";
import type { EnhancerLimits } from "./limits";
import { acquireCall } from "./sql/acquire-call";
import { releaseCall, type CallOutcome } from "./sql/release-call";
import type { Queryable } from "./sql/transaction";

export interface GuardOptions {
  workerId: string;
  limits: EnhancerLimits;
  /**
   * Wait in-process for a permit at most this long before giving up with
   * "deferred" (default 2000). Short, so that a long wait (an open breaker)
   * is held by the queue (retry_at), not by a worker slot and a frame lease.
   */
  maxWaitMs?: number;
  signal?: AbortSignal;
}

export type Permit =
  | {
      ok: true;
      probe: boolean;
      /** Exactly once, when the call has ended. pauseMs: a 429/503 Retry-After, obeyed fleet-wide. */
      release: (outcome: CallOutcome, details?: { pauseMs?: number }) => Promise<void>;
    }
  /** No call may be made now. Not an attempt: reschedule after waitMs without spending the frame's budget. */
  | { ok: false; reason: RefusalReason; waitMs: number };

/**
 * Waits (bounded) for a fleet-wide permit. Repeated refusals back off
 * exponentially with full jitter: every refused caller re-asks under the same
 * row lock, so a crowd of waiters polling at the exact "next token" instant
 * would spend the database on refusals (N waiters x rate queries/s).
 */
export async function waitForPermit(db: Queryable, options: GuardOptions): Promise<Permit> {
  const { workerId, limits, signal } = options;
  const maxWaitMs = options.maxWaitMs ?? 2000;
  const started = performance.now();
  for (let refusals = 0; ; refusals++) {
    const admission = await acquireCall(db, { workerId, ...limits });
    if (admission.ok) {
      const { permitId } = admission;
      let released = false;
      return {
        ok: true,
        probe: admission.probe,
        release: async (outcome, details) => {
          if (released) return;
          released = true;
          await releaseCall(db, permitId, outcome, { breaker: limits.breaker, pauseMs: details?.pauseMs ?? 0 });
        },
      };
    }
    const backoff = Math.min(MAX_BACKOFF_MS, admission.waitMs * 2 ** Math.min(refusals, 10));
    const waitMs = Math.max(MIN_WAIT_MS, admission.waitMs, backoff * Math.random());
    if (performance.now() - started + waitMs > maxWaitMs || signal?.aborted) {
      return { ok: false, reason: admission.reason, waitMs: Math.ceil(admission.waitMs) };
    }
    await sleep(waitMs, signal);
  }
}

const MIN_WAIT_MS = 5;
const MAX_BACKOFF_MS = 1000;

/**
 * The guard the frame engine calls before each external call
 * (lib/pipeline/frame-engine.ts, CallGuard): a permit, or how long to wait.
 */
export function createCallGuard(db: Queryable, options: GuardOptions) {
  return (_frame: { videoId: string; frameIndex: number }): Promise<Permit> => waitForPermit(db, options);
}

/**
 * What a failed call says about the service's health (the breaker input) and
 * how long the whole fleet should pause (429/503 Retry-After).
 */
export function breakerOutcomeFor(error: EnhanceError): { outcome: CallOutcome; pauseMs: number } {
  const status = error.httpStatus;
  // The service is up and asks us to slow down: pause, but do not open the
  // breaker (it would stop the fleet for openMs instead of Retry-After).
  if (status === 429) return { outcome: "neutral", pauseMs: error.retryAfterMs ?? 1000 };
  if (status !== undefined) {
    const down = status === 408 || status >= 500;
    return { outcome: down ? "failure" : "neutral", pauseMs: status === 503 ? (error.retryAfterMs ?? 0) : 0 };
  }
  switch (error.errorClass) {
    case "Timeout":
    case "ConnectionError":
    case "InvalidResponse":
      return { outcome: "failure", pauseMs: 0 };
    default:
      // Our abort, an undecodable input frame, a bug of ours: not the service's health.
      return { outcome: "neutral", pauseMs: 0 };
  }
}

export type GuardedEnhanceResult =
  | { status: "enhanced"; image: Buffer; probe: boolean; durationMs: number }
  /** No call was made: reschedule after waitMs; not an attempt. */
  | { status: "deferred"; reason: RefusalReason; waitMs: number }
  /**
   * The call failed: store error.toMetadata(). countsAsAttempt is false when
   * the failure was the service asking us to wait (429, a failed breaker
   * probe) or our own shutdown: reschedule (not before retryAfterMs) without
   * spending the frame's retry budget (invariant 6).
   */
  | { status: "failed"; error: EnhanceError; countsAsAttempt: boolean; retryAfterMs?: number };

/**
 * One frame through the fleet-wide guard: permit, call, release with the
 * outcome. An enhancer that is not external (local, noop) is called directly.
 */
export async function enhanceGuarded(
  db: Queryable,
  enhancer: Enhancer,
  input: EnhanceInput,
  options: Omit<GuardOptions, "signal">,
): Promise<GuardedEnhanceResult> {
  let permit: Permit | undefined;
  if (enhancer.external) {
    if (input.signal?.aborted) return aborted();
    permit = await waitForPermit(db, { ...options, ...(input.signal ? { signal: input.signal } : {}) });
    if (!permit.ok) return input.signal?.aborted ? aborted() : { status: "deferred", reason: permit.reason, waitMs: permit.waitMs };
  }
  const started = performance.now();
  let error: EnhanceError;
  try {
    const image = await enhancer.enhance(input);
    if (permit?.ok) await releaseQuietly(permit, "success", 0);
    return { status: "enhanced", image, probe: permit?.ok ? permit.probe : false, durationMs: performance.now() - started };
  } catch (thrown) {
    error = classifyError(thrown);
  }
  const { outcome, pauseMs } = breakerOutcomeFor(error);
  if (permit?.ok) await releaseQuietly(permit, outcome, pauseMs);
  const probeFailed = permit?.ok === true && permit.probe && outcome === "failure";
  const waitingForService = error.httpStatus === 429 || error.errorClass === "Aborted" || probeFailed;
  return {
    status: "failed",
    error,
    countsAsAttempt: !waitingForService,
    ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
  };
}

function aborted(): GuardedEnhanceResult {
  const error = new EnhanceError({ errorClass: "Aborted", message: "aborted by the worker", retryable: true });
  return { status: "failed", error, countsAsAttempt: false };
}

// The call already happened (and was paid for): a release that fails (the
// database is unreachable) must not turn an enhanced frame into a failure.
// The permit then lapses after permitTtlMs and gives the capacity back.
async function releaseQuietly(permit: Extract<Permit, { ok: true }>, outcome: CallOutcome, pauseMs: number) {
  await permit.release(outcome, { pauseMs }).catch(() => {});
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
