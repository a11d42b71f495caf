import { describe, expect, it } from "vitest";
import { planChunks } from "./chunk-plan";

describe("planChunks", () => {
  it("keeps audio under the limit in one piece", () => {
    expect(planChunks({ durationSec: 9, maxChunkSec: 10, silences: [{ startSec: 4, endSec: 5 }] })).toEqual([{ index: 0, startSec: 0, endSec: 9 }]);
  });

  it("cuts in the middle of the latest pause that fits, past the chunk's first half", () => {
    const silences = [
      { startSec: 1, endSec: 2 }, // too early: would make a 1.5 s upload
      { startSec: 6, endSec: 7 },
      { startSec: 8, endSec: 9 },
      { startSec: 15, endSec: 16 },
    ];
    expect(planChunks({ durationSec: 25, maxChunkSec: 10, silences })).toEqual([
      { index: 0, startSec: 0, endSec: 8.5 },
      { index: 1, startSec: 8.5, endSec: 15.5 },
      { index: 2, startSec: 15.5, endSec: 25 },
    ]);
  });

  it("cuts hard at the limit when nobody pauses, and every piece fits", () => {
    const chunks = planChunks({ durationSec: 25, maxChunkSec: 10, silences: [] });
    expect(chunks.map((c) => [c.startSec, c.endSec])).toEqual([[0, 10], [10, 20], [20, 25]]);
  });

  it("covers the whole duration without gaps or overlaps", () => {
    const silences = Array.from({ length: 40 }, (_, i) => ({ startSec: i * 7.3 + 3, endSec: i * 7.3 + 3.4 }));
    const chunks = planChunks({ durationSec: 300, maxChunkSec: 24, silences });
    expect(chunks[0]!.startSec).toBe(0);
    expect(chunks.at(-1)!.endSec).toBe(300);
    chunks.forEach((c, i) => {
      expect(c.endSec - c.startSec).toBeLessThanOrEqual(24);
      if (i > 0) expect(c.startSec).toBe(chunks[i - 1]!.endSec);
    });
  });
});
