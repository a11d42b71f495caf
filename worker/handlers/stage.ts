import type { JobWithMetadata } from "pg-boss";
import type { PipelineContext } from "@/lib/pipeline/context";
import { videoJob } from "@/lib/queue/jobs";

/** `lastAttempt`: pg-boss will not retry this job again, so a transient failure must now be recorded as the stage's. */
export type StageRunner = (ctx: PipelineContext, videoId: string, signal?: AbortSignal, job?: { lastAttempt: boolean }) => Promise<void>;

/**
 * Queues `preprocess`, `thumbnails`, `captions`, `encode`: one video per job.
 * The runner records the stage's own failures on its row; what it throws
 * (database unreachable, shutdown) fails the job so pg-boss retries it.
 */
export function stageHandler(ctx: PipelineContext, run: StageRunner, signal: AbortSignal) {
  return async (jobs: JobWithMetadata<unknown>[]) => {
    for (const job of jobs) {
      const { videoId } = videoJob.parse(job.data);
      await run(ctx, videoId, signal, { lastAttempt: job.retryCount >= job.retryLimit });
    }
  };
}
