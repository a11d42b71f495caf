import { describe, expect, it } from "vitest";
import { nextAttemptAt, retryDelayMs, RETRY_WINDOW_MS } from "./retry-schedule";

describe("webhook retry schedule", () => {
  it("backs off exponentially, capped at 6 hours", () => {
    expect([1, 2, 3, 4].map(retryDelayMs)).toEqual([5_000, 20_000, 80_000, 320_000]);
    expect(retryDelayMs(20)).toBe(6 * 3600_000);
  });

  it("keeps trying for 24 hours after the event, then gives up", () => {
    const at = new Date("2026-01-01T00:00:00Z");
    let now = at;
    let attempts = 0;
    const times: Date[] = [];
    for (let next = nextAttemptAt(at, ++attempts, now); next; next = nextAttemptAt(at, ++attempts, now)) {
      times.push(next);
      now = next;
    }
    expect(times.at(-1)!.getTime() - at.getTime()).toBe(RETRY_WINDOW_MS);
    expect(times.length).toBeGreaterThanOrEqual(8);
    expect(times.length).toBeLessThanOrEqual(12);
    expect(nextAttemptAt(at, 3, new Date(at.getTime() + RETRY_WINDOW_MS))).toBeNull();
  });
});
