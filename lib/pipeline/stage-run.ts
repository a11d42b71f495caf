import "server-only";
import type { PipelineContext } from "./context";
import { finishStage } from "./flow";
import { decide, STAGE_ATTEMPT_LIMIT, STAGE_RETRY_BASE_MS, stageFailure } from "./outcome";
import { stageErrorFrom } from "./runners/stage-failure";
import { scheduleStageRetry } from "./sql/schedule-stage-retry";
import type { StageName } from "./stages";
import { isVideoStopped } from "./video-stops";

export type StageRunnerName = Exclude<StageName, "enhance">;

/**
 * A stage's work for one video. It records its own success (or a skip) and
 * throws whatever goes wrong; runStageAttempt turns that into the outcome.
 */
export type StageRunner = (ctx: PipelineContext, videoId: string, signal?: AbortSignal) => Promise<void>;

/**
 * One run of a single-job stage, settled with the retry rules of
 * ./outcome.ts: a transient error (database blip, full disk, ffmpeg killed
 * or stalled, transcriber down) is retried later by a new job of the same
 * stage, up to STAGE_ATTEMPT_LIMIT runs; a permanent one (or the last
 * attempt) fails the stage with its reason; our own shutdown throws, so the
 * queue hands the job to another worker.
 */
export async function runStageAttempt(
  ctx: PipelineContext,
  stage: StageRunnerName,
  run: StageRunner,
  job: { videoId: string; attempt: number },
  signal?: AbortSignal,
): Promise<void> {
  let error: unknown;
  try {
    await run(ctx, job.videoId, signal);
    return;
  } catch (thrown) {
    error = thrown;
  }
  // Canceled or deleted while it ran (its ffmpeg killed by the abort): the
  // operator's word is already recorded; there is nothing to retry or fail.
  if (isVideoStopped(signal)) return;
  const outcome = decide(stageFailure(error, signal), {
    attempt: job.attempt,
    attemptLimit: STAGE_ATTEMPT_LIMIT,
    baseMs: ctx.stageRetryBaseMs ?? STAGE_RETRY_BASE_MS,
  });
  const stored = { ...stageErrorFrom(error), attempt: job.attempt };
  switch (outcome.kind) {
    case "ok":
      return;
    case "snooze":
      throw error;
    case "retry":
      // If the database is what failed, this throws too, and pg-boss retries
      // the job itself (its own retryLimit): either way the stage is retried.
      await scheduleStageRetry(ctx, job.videoId, stage, { attempt: job.attempt + 1, at: outcome.at, error: stored });
      return;
    case "fail":
      await finishStage(ctx, job.videoId, stage, "failed", { error: stored });
  }
}
