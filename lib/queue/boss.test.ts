import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { transaction } from "@/lib/db/client";
import { createTestPipeline } from "@/test/support/pipeline";
import { enhanceJobs } from "@/test/support/seed";
import { FRAME_RUN, groupFrameRuns, sendFrameJobs } from "./boss";

describe("enhance jobs in runs", async () => {
  const { ctx } = await createTestPipeline();

  it("groups frames per video and due time into ordered runs of at most FRAME_RUN, each frame once", async () => {
    const a = randomUUID();
    const b = randomUUID();
    const later = new Date(Date.now() + 60_000);
    const frames = Array.from({ length: FRAME_RUN * 2 + 50 }, (_, i) => FRAME_RUN * 2 + 49 - i); // descending
    await transaction(ctx.pool, (tx) =>
      sendFrameJobs(
        ctx.boss,
        [
          ...frames.map((frameIndex) => ({ videoId: a, frameIndex })),
          { videoId: a, frameIndex: 7 }, // delivered twice by the caller: sent once
          { videoId: b, frameIndex: 3 },
          { videoId: a, frameIndex: 5, startAfter: later },
          { videoId: b, frameIndex: 1 },
          { videoId: a, frameIndex: 2, startAfter: later },
        ],
        { client: tx },
      ),
    );
    const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
    const ofA = await enhanceJobs(ctx, a);
    expect(ofA.map((j) => j.frameIndexes)).toEqual([range(0, FRAME_RUN), range(FRAME_RUN, FRAME_RUN), range(FRAME_RUN * 2, 50), [2, 5]]);
    expect(ofA[3]!.startAfter.getTime()).toBe(later.getTime());
    expect(ofA[0]!.startAfter.getTime()).toBeLessThan(later.getTime());
    expect((await enhanceJobs(ctx, b)).map((j) => j.frameIndexes)).toEqual([[1, 3]]);
  });

  it("sends nothing for no frames, and splits by the run size asked for", async () => {
    expect(groupFrameRuns([])).toEqual([]);
    const v = randomUUID();
    expect(groupFrameRuns([0, 1, 2, 3, 4].map((frameIndex) => ({ videoId: v, frameIndex })), 2).map((r) => r.frameIndexes)).toEqual([[0, 1], [2, 3], [4]]);
  });
});
