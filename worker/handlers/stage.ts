import type { Job } from "pg-boss";
import type { PipelineContext } from "@/lib/pipeline/context";
import { runStageAttempt, type StageRunner, type StageRunnerName } from "@/lib/pipeline/stage-run";
import type { VideoStops } from "@/lib/pipeline/video-stops";
import { videoJob } from "@/lib/queue/jobs";

export type { StageRunner };

/**
 * Queues `preprocess`, `thumbnails`, `captions`, `encode`: one video per job.
 * runStageAttempt settles the run (ok, retry at, fail, or, on shutdown, a
 * throw that lets pg-boss hand the job to another worker).
 */
export function stageHandler(ctx: PipelineContext, stage: StageRunnerName, run: StageRunner, signal: AbortSignal, stops?: VideoStops) {
  return async (jobs: Job<unknown>[]) => {
    for (const job of jobs) {
      const { videoId, attempt = 1 } = videoJob.parse(job.data);
      // Aborts (and so kills the stage's ffmpeg) on our shutdown or when the video is canceled or deleted.
      const watch = stops?.watch(videoId, signal);
      try {
        await runStageAttempt(ctx, stage, run, { videoId, attempt }, watch?.signal ?? signal);
      } finally {
        watch?.release();
      }
    }
  };
}
