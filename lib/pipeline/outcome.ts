// The retry rules of the whole pipeline, in one place (pure: no I/O). Every
// piece of work (a frame's call to the enhancer, a stage runner's run) ends
// in one of Oban's four outcomes, decided here and nowhere else:
//   ok                  done;
//   retry at <time>     a failed attempt worth repeating, after a backoff;
//   fail <reason>       final: not worth repeating, or out of attempts;
//   snooze for <ms>     not an attempt at all (we were told to wait, or we
//                       are shutting down): comes back later, budget intact.
import { TranscriptionError } from "@/lib/captions/errors";
import { isMediaError } from "@/lib/media/errors";

export type Outcome =
  | { kind: "ok" }
  | { kind: "retry"; at: Date }
  | { kind: "fail" }
  | { kind: "snooze"; forMs: number };

/** What went wrong, as far as the retry rules care. */
export interface Failure {
  /** Worth another attempt (a timeout, a 5xx, a database blip, a killed ffmpeg). */
  retryable: boolean;
  /** Not an attempt: the other side asked us to wait (429), or our own shutdown. */
  waiting?: boolean;
  /** The earliest useful retry the other side gave (Retry-After). */
  retryAfterMs?: number;
}

export interface Budget {
  /** This attempt's number, 1-based. */
  attempt: number;
  attemptLimit: number;
  /** Backoff scale: attempt 1 waits up to baseMs, attempt 2 up to 2x, ... */
  baseMs?: number;
}

export const RETRY_BASE_MS = 1000;
export const RETRY_CAP_MS = 60_000;
/** Stages are long steps whose transient causes (a full disk, a database restart) take seconds to clear. */
export const STAGE_RETRY_BASE_MS = 5000;
/** Runs of one stage before a transient error fails it (an operator can still retry it). */
export const STAGE_ATTEMPT_LIMIT = 4;

export function decide(failure: Failure | null, budget: Budget, nowMs: number = Date.now(), random: () => number = Math.random): Outcome {
  if (!failure) return { kind: "ok" };
  if (failure.waiting) return { kind: "snooze", forMs: failure.retryAfterMs ?? 0 };
  if (!failure.retryable || budget.attempt >= budget.attemptLimit) return { kind: "fail" };
  const delay = Math.max(retryDelayMs(budget.attempt, random, budget.baseMs), failure.retryAfterMs ?? 0);
  return { kind: "retry", at: new Date(nowMs + delay) };
}

/**
 * Exponential backoff with full jitter: attempt 1 waits up to base, attempt
 * 2 up to 2x base, ... capped. Jitter spreads the retries of work that failed
 * together (an outage) so it does not come back together.
 */
export function retryDelayMs(attempt: number, random: () => number = Math.random, baseMs = RETRY_BASE_MS): number {
  const ceiling = Math.min(RETRY_CAP_MS, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

// errno codes that say the machine is short of something for now.
const TRANSIENT_ERRNO = new Set(["ENOSPC", "EMFILE", "ENFILE", "EAGAIN", "EBUSY", "ENOMEM", "EIO", "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"]);
// SQLSTATE classes and codes of a database that is restarting, overloaded or
// unreachable, or of a transaction that lost a race: not the video's fault.
const TRANSIENT_SQLSTATE = /^(08|53|57P0[1-3]|40001|40P01|55P03|58)/;
const TRANSIENT_MESSAGE = /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|No space left on device|Cannot allocate memory/i;

/**
 * How a stage runner's error counts. Input at fault (a file that is not a
 * video, frames missing) or a bug of ours: final, with its reason, so it is
 * not repeated blindly. The machine or a service at fault for now (database
 * blip, full disk, ffmpeg killed by the OOM killer or stalled, transcriber
 * down): retried with backoff. Our shutdown: snoozed.
 */
export function stageFailure(error: unknown, signal?: AbortSignal): Failure {
  if (signal?.aborted || isMediaError(error, "aborted") || (error as { name?: string })?.name === "AbortError") return { retryable: true, waiting: true };
  if (error instanceof TranscriptionError) return { retryable: error.retryable };
  if (isMediaError(error)) {
    if (error.isInputError) return { retryable: false };
    if (error.code === "ffmpeg_killed" || error.code === "ffmpeg_stalled" || error.code === "probe_failed") return { retryable: true };
    return { retryable: TRANSIENT_MESSAGE.test(`${error.message}\n${error.detail ?? ""}`) };
  }
  const e = error as { code?: unknown; message?: unknown };
  if (typeof e?.code === "string" && (TRANSIENT_ERRNO.has(e.code) || (/^[0-9A-Z]{5}$/.test(e.code) && TRANSIENT_SQLSTATE.test(e.code)))) return { retryable: true };
  return { retryable: typeof e?.message === "string" && TRANSIENT_MESSAGE.test(e.message) };
}
