import type { RefusalReason } from "./admission";
import { classifyError, EnhanceError } from "./errors";
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
export async function waitForPermit(db: Queryable, options: GuardOptions, frame?: GuardedFrame): Promise<Permit> {
  const { workerId, limits, signal } = options;
  const fresh = frame?.fresh ?? true;
  const maxWaitMs = options.maxWaitMs ?? 2000;
  const started = performance.now();
  for (let refusals = 0; ; refusals++) {
    const admission = await acquireCall(db, { workerId, ...limits, fresh });
    if (admission.ok) {
      const { permitId } = admission;
      let released = false;
      return {
        ok: true,
        probe: admission.probe,
        release: async (outcome, details) => {
          if (released) return;
          released = true;
          await releaseCall(db, permitId, outcome, {
            breaker: limits.breaker,
            pauseMs: details?.pauseMs ?? 0,
            ...(frame ? { frame: { key: `${frame.videoId}:${frame.frameIndex}`, fresh } } : {}),
          });
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

/** The guard the frame engine passes to guardedCall: a permit, or how long to wait. */
export function createCallGuard(db: Queryable, options: GuardOptions): CallGuard {
  return (frame) => waitForPermit(db, options, frame);
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

/** A frame asking to be sent to the service. */
export interface GuardedFrame {
  videoId: string;
  frameIndex: number;
  /**
   * The frame has never failed before. Only such frames' failures tell the
   * breaker about the service's health, and they make the better probes: a
   * frame that failed before may be bad on its own.
   */
  fresh: boolean;
}

/** Permission to call the external enhancer for one frame (fleet-wide rate limit, concurrency cap, breaker). */
export type CallGuard = (frame: GuardedFrame) => Promise<Permit>;

export type GuardedCallResult =
  | { status: "enhanced"; image: Buffer }
  /** No call was made (no permit for now): not an attempt. */
  | { status: "refused"; waitMs: number }
  /** The call was made and failed. */
  | { status: "failed"; error: EnhanceError };

/**
 * The one path from a frame to the service: permit, call, release with the
 * outcome. The frame engine calls it for every frame; with no guard (local,
 * noop enhancers) the call is made directly.
 *
 * The release never decides the frame's fate: once the service has answered
 * 200, the call happened and was paid for, so a release that fails (the
 * database unreachable at that instant) must not turn the enhanced frame into
 * a failed attempt that would be enhanced, and paid for, again. The permit
 * then lapses after permitTtlMs and gives its capacity back.
 */
export async function guardedCall(guard: CallGuard | undefined, frame: GuardedFrame, call: () => Promise<Buffer>): Promise<GuardedCallResult> {
  let permit: Permit | undefined;
  if (guard) {
    try {
      permit = await guard(frame);
    } catch (thrown) {
      // The limiter's database failed us: no call was made, but this is not
      // the service asking us to wait either. A failed attempt (retryable),
      // so a guard that keeps failing (a bug, a broken schema) ends in a
      // failed frame with its reason instead of a frame deferred forever.
      const cause = thrown instanceof Error ? thrown.message : String(thrown);
      return { status: "failed", error: new EnhanceError({ errorClass: "GuardUnavailable", message: `the fleet-wide limiter could not be asked: ${cause}`, retryable: true, cause: thrown }) };
    }
    if (!permit.ok) return { status: "refused", waitMs: permit.waitMs };
  }
  let image: Buffer;
  try {
    image = await call();
  } catch (thrown) {
    const error = classifyError(thrown);
    if (permit?.ok) {
      const { outcome, pauseMs } = breakerOutcomeFor(error);
      await releaseQuietly(permit, outcome, pauseMs);
    }
    return { status: "failed", error };
  }
  if (permit?.ok) await releaseQuietly(permit, "success", 0);
  return { status: "enhanced", image };
}

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
