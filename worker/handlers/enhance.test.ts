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
});
