// When a failed delivery is tried again. Pure.
//
// Exponential: 5 s, 20 s, 80 s, ~5 min, ~21 min, ~85 min, then every 6 h,
// until 24 h after the event: a receiver that is down for a day still gets
// it, and one that never answers is given up on after about ten attempts.
export const RETRY_WINDOW_MS = 24 * 3600_000;
const FIRST_DELAY_MS = 5_000;
const MAX_DELAY_MS = 6 * 3600_000;

/** The wait after the n-th failed attempt (n >= 1). */
export function retryDelayMs(failedAttempts: number): number {
  return Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 4 ** Math.max(0, failedAttempts - 1));
}

/**
 * The time of the next attempt after a failure, or null when the retry
 * window is over. The last attempt is allowed at the window's very end, so a
 * receiver back within 24 h is reached.
 */
export function nextAttemptAt(eventAt: Date, failedAttempts: number, now: Date): Date | null {
  const deadline = eventAt.getTime() + RETRY_WINDOW_MS;
  if (now.getTime() >= deadline) return null;
  return new Date(Math.min(deadline, now.getTime() + retryDelayMs(failedAttempts)));
}
