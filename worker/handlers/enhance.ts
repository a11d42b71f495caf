import type { Job } from "pg-boss";
import { processFrameJobs, type EngineOptions } from "@/lib/pipeline/frame-engine";
import { frameJob } from "@/lib/queue/jobs";

/** Queue `enhance`: a batch of frame jobs -> the frame engine. */
export function enhanceHandler(engine: EngineOptions) {
  return async (jobs: Job<unknown>[]) => {
    const frames = jobs.flatMap((j) => {
      const parsed = frameJob.safeParse(j.data);
      return parsed.success ? [parsed.data] : [];
    });
    await processFrameJobs(engine, frames);
  };
}
