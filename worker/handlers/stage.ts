import type { Job } from "pg-boss";
import type { PipelineContext } from "@/lib/pipeline/context";
import { runStageAttempt, type StageRunner, type StageRunnerName } from "@/lib/pipeline/stage-run";
import { videoJob } from "@/lib/queue/jobs";

export type { StageRunner };

/**
 * Queues `preprocess`, `thumbnails`, `captions`, `encode`: one video per job.
 * runStageAttempt settles the run (ok, retry at, fail, or, on shutdown, a
 * throw that lets pg-boss hand the job to another worker).
 */
export function stageHandler(ctx: PipelineContext, stage: StageRunnerName, run: StageRunner, signal: AbortSignal) {
  return async (jobs: Job<unknown>[]) => {
    for (const job of jobs) {
      const { videoId, attempt = 1 } = videoJob.parse(job.data);
      await runStageAttempt(ctx, stage, run, { videoId, attempt }, signal);
    }
  };
}
