import type { Job } from "pg-boss";
import { processFrameJobs, type EngineOptions } from "@/lib/pipeline/frame-engine";
import { parseEnhanceJob } from "@/lib/queue/jobs";

/**
 * Queue `enhance`: a batch of jobs, each a run of frames of one video (or
 * one frame, as older versions queued them) -> the frame engine. A payload
 * that is neither cannot be worked on: it is logged with its job id and
 * completed with the batch, so it does not come back; the frames of a video
 * are never only in such a job.
 */
export function enhanceHandler(engine: EngineOptions, log: (message: string) => void = () => {}) {
  return async (jobs: Job<unknown>[]) => {
    const frames = jobs.flatMap((j) => {
      const parsed = parseEnhanceJob(j.data);
      if (!parsed.success) log(`enhance job ${j.id} dropped: its payload is not a frame job (${parsed.error.issues.map((i) => `${i.path.join(".") || "payload"}: ${i.message}`).join("; ")})`);
      return parsed.success ? parsed.frames : [];
    });
    await processFrameJobs(engine, frames);
  };
}
