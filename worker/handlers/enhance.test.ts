import type { Job } from "pg-boss";
import { describe, expect, it } from "vitest";
import type { EngineOptions } from "@/lib/pipeline/frame-engine";
import { countingEnhancer } from "@/test/support/enhancers";
import { createTestPipeline } from "@/test/support/pipeline";
import { seedEnhancingVideo, stageRow } from "@/test/support/seed";
import { enhanceHandler } from "./enhance";

describe("the enhance handler", async () => {
  const { ctx } = await createTestPipeline();

  it("logs a payload that is not a frame job with its job id, and still processes the good ones", async () => {
    const id = await seedEnhancingVideo(ctx, { frames: 2 });
    const logged: string[] = [];
    const engine: EngineOptions = { ctx, workerId: "w", enhancer: countingEnhancer().enhancer, leaseSeconds: 30, concurrency: 2 };
    const job = (jobId: string, data: unknown) => ({ id: jobId, name: "enhance", data }) as Job<unknown>;
    await enhanceHandler(engine, (m) => logged.push(m))([
      job("good-0", { videoId: id, frameIndex: 0 }),
      job("bad-1", { videoId: id, frame: 1 }),
      job("good-1", { videoId: id, frameIndex: 1 }),
    ]);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/^enhance job bad-1 dropped: its payload is not a frame job \(frameIndex: /);
    expect(await stageRow(ctx, id, "enhance")).toMatchObject({ succeeded: 2 });
  });

  it("works on runs and on the one-frame jobs an older version queued, in one batch", async () => {
    const id = await seedEnhancingVideo(ctx, { frames: 5 });
    const logged: string[] = [];
    const counter = countingEnhancer();
    const engine: EngineOptions = { ctx, workerId: "w", enhancer: counter.enhancer, leaseSeconds: 30, concurrency: 2 };
    const job = (jobId: string, data: unknown) => ({ id: jobId, name: "enhance", data }) as Job<unknown>;
    await enhanceHandler(engine, (m) => logged.push(m))([
      job("run", { videoId: id, frameIndexes: [0, 1, 2] }),
      job("old", { videoId: id, frameIndex: 4 }),
      // The same frame in a run and an old job: enhanced once.
      job("run-2", { videoId: id, frameIndexes: [3, 4] }),
      job("bad-run", { videoId: id, frameIndexes: [1, -1] }),
    ]);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/^enhance job bad-run dropped: its payload is not a frame job \(frameIndexes\.1: /);
    expect(counter.total()).toBe(5);
    expect(await stageRow(ctx, id, "enhance")).toMatchObject({ status: "succeeded", succeeded: 5 });
  });
});
