import "server-only";
import { transaction } from "@/lib/db/client";
import { sendFrameJobs } from "@/lib/queue/boss";
import type { PipelineContext } from "./context";
import { DomainError, videoNotFound } from "./errors";
import { advanceVideo } from "./flow";
import { requeueFailedFrames } from "./sql/requeue-frames";
import { finishEnhanceIfDone, markStageRunning, readStageStatuses, resetStages } from "./sql/stage-rows";
import { lockVideo, readVideoStatus } from "./sql/video-rows";
import { downstreamOf, STAGES, type StageName } from "./stages";

/**
 * The operator's retry of failed stages: each one runs again, and so does
 * every stage that depends on it; stages upstream and their results are
 * kept. No frame is re-enhanced by it: a failed encode or thumbnails stage
 * reads the enhanced frames already there, and retrying `enhance` re-queues
 * only its failed frames (as "Retry failed" does). Only failed stages can be
 * retried; the answer names the ones that are not.
 */
export async function retryStages(ctx: PipelineContext, videoId: string, stages: StageName[]): Promise<{ requeued: number; stages: StageName[] }> {
  return transaction(ctx.pool, async (tx) => {
    await lockVideo(tx, videoId);
    const status = await readVideoStatus(tx, videoId);
    if (!status) throw videoNotFound(videoId);
    if (status === "canceled") throw new DomainError("conflict", "video_canceled", "This video was canceled; its stages cannot be retried.");
    const statuses = await readStageStatuses(tx, videoId);
    const asked = STAGES.filter((s) => stages.includes(s));
    const notFailed = asked.filter((s) => statuses[s] !== "failed");
    if (notFailed.length > 0) {
      const list = notFailed.map((s) => `${s} is ${statuses[s]}`).join(", ");
      throw new DomainError("conflict", "stage_not_failed", `Only failed stages can be retried: ${list}.`);
    }
    let requeued = 0;
    for (const stage of asked) {
      if (stage === "enhance") {
        const frames = await requeueFailedFrames(tx, videoId, { status: "failed" }, ctx.frameMaxAttempts);
        await markStageRunning(tx, videoId, "enhance", ["failed"]);
        await sendFrameJobs(ctx.boss, frames.map((frameIndex) => ({ videoId, frameIndex })), { client: tx });
        // Nothing failed any more (say every frame was substituted): finish it now.
        if (frames.length === 0) await finishEnhanceIfDone(tx, videoId);
        requeued += frames.length;
      } else {
        await resetStages(tx, videoId, [stage]);
      }
      await resetStages(tx, videoId, downstreamOf(stage));
    }
    // Starts the reset stages whose dependencies are finished and brings the
    // video back to processing (a video with an enhance stage that has
    // nothing left to do finishes it here).
    await advanceVideo(tx, ctx, videoId);
    return { requeued, stages: asked };
  });
}
