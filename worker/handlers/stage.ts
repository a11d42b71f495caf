import type { Job } from "pg-boss";
import type { PipelineContext } from "@/lib/pipeline/context";
import { videoJob } from "@/lib/queue/jobs";

export type StageRunner = (ctx: PipelineContext, videoId: string, signal?: AbortSignal) => Promise<void>;

/**
 * Queues `preprocess`, `thumbnails`, `captions`, `encode`: one video per job.
 * The runner records the stage's own failures on its row; what it throws
 * (database unreachable, shutdown) fails the job so pg-boss retries it.
 */
export function stageHandler(ctx: PipelineContext, run: StageRunner, signal: AbortSignal) {
  return async (jobs: Job<unknown>[]) => {
    for (const job of jobs) {
      const { videoId } = videoJob.parse(job.data);
      await run(ctx, videoId, signal);
    }
  };
}
