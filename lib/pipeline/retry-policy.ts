// Exponential backoff with full jitter (pure): attempt 1 waits up to 1 s,
// attempt 2 up to 2 s, ... capped at 60 s. Jitter spreads the retries of
// frames that failed together (an outage) so they do not return together.
export const RETRY_BASE_MS = 1000;
export const RETRY_CAP_MS = 60_000;

export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
