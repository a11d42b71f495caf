import "server-only";
import { randomUUID } from "node:crypto";
import { copyFile, mkdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import type pg from "pg";
import { transaction } from "@/lib/db/client";
import { probeMedia } from "@/lib/media/probe";
import { MediaError } from "@/lib/media/errors";
import { sendFrameJobs, sendVideoJob } from "@/lib/queue/boss";
import { videoPaths } from "@/lib/storage/paths";
import { removeVideoFolder } from "@/lib/storage/video-folders";
import type { PipelineContext } from "./context";
import { DomainError, videoNotFound } from "./errors";
import { advanceVideo } from "./flow";
import { requeueFailedFrames, type RetrySelector } from "./sql/requeue-frames";
import { completeFramesAsOriginal } from "./sql/substitute-frames";
import { lockFailedFrameIndexes } from "./sql/frame-indexes";
import { dropQueuedJobs } from "./sql/queued-jobs";
import { cancelStages, insertStageRows, markEnhanceSubstituted, markStageRunning, readStageStatuses, resetStages } from "./sql/stage-rows";
import { deleteVideoRow, insertVideo, lockVideo, markVideoCanceled, readVideoStatus, setVideoStatus } from "./sql/video-rows";
import { downstreamOf, TERMINAL_VIDEO, type VideoStatus } from "./stages";
import { emitVideoStatusEvent } from "@/lib/webhooks/emit";

/**
 * Turns an uploaded file (already on disk, e.g. a multipart or tus temp file)
 * into a video: probes it first, so a file that is not a video is refused
 * with a sentence and removed, leaving nothing behind; then moves it under the
 * video's folder, creates the video and its stage rows, and queues preprocess
 * in the same transaction.
 */
export async function createVideo(
  ctx: PipelineContext,
  upload: { tempPath: string; originalName: string; title?: string | null; sizeBytes: number },
): Promise<{ id: string }> {
  try {
    await probeMedia(upload.tempPath);
  } catch (error) {
    // The file is at fault: refuse it and leave nothing behind. Any other
    // failure (ffprobe missing, the machine overloaded) is ours: the upload
    // is kept for the caller to retry rather than thrown away.
    if (error instanceof MediaError && error.isInputError) {
      await rm(upload.tempPath, { force: true });
      const stored = path.basename(upload.tempPath);
      throw new DomainError("unsupported", error.code, error.message.replaceAll(stored, upload.originalName));
    }
    throw error;
  }
  const id = randomUUID();
  const paths = videoPaths(ctx.dataDir, id);
  await mkdir(paths.dir, { recursive: true });
  await rename(upload.tempPath, paths.source);
  try {
    await transaction(ctx.pool, async (tx) => {
      const title = upload.title?.trim() || upload.originalName.replace(/\.[^.]+$/, "") || "Untitled video";
      await insertVideo(tx, { id, title: title.slice(0, 200), originalName: upload.originalName.slice(0, 255), sourceBytes: upload.sizeBytes });
      await insertStageRows(tx, id);
      await markStageRunning(tx, id, "preprocess");
      await setVideoStatus(tx, id, "processing");
      await sendVideoJob(ctx.boss, "preprocess", { videoId: id }, tx);
    });
  } catch (error) {
    await rm(paths.dir, { recursive: true, force: true });
    throw error;
  }
  return { id };
}

async function lockedVideoStatus(tx: pg.PoolClient, videoId: string): Promise<VideoStatus> {
  await lockVideo(tx, videoId);
  const status = await readVideoStatus(tx, videoId);
  if (!status) throw videoNotFound(videoId);
  return status;
}

/**
 * Re-queues failed frames (a list, all failed, or one error group). Frames
 * already succeeded are untouched; the enhance stage re-opens and the stages
 * after it (thumbnails, encode) run again once it finishes.
 */
export async function retryFrames(ctx: PipelineContext, videoId: string, selector: RetrySelector): Promise<{ requeued: number }> {
  return transaction(ctx.pool, async (tx) => {
    const status = await lockedVideoStatus(tx, videoId);
    if (status === "canceled") throw new DomainError("conflict", "video_canceled", "This video was canceled; its frames cannot be retried.");
    const frames = await requeueFailedFrames(tx, videoId, selector, ctx.frameMaxAttempts);
    if (frames.length === 0) {
      throw new DomainError("conflict", "nothing_to_retry", "No failed frames matched: only failed frames can be retried.");
    }
    const reopened = await markStageRunning(tx, videoId, "enhance", ["failed", "succeeded"]);
    if (reopened) await resetStages(tx, videoId, downstreamOf("enhance"));
    await sendFrameJobs(ctx.boss, frames.map((frameIndex) => ({ videoId, frameIndex })), { client: tx });
    await advanceVideo(tx, ctx, videoId);
    return { requeued: frames.length };
  });
}

/**
 * Stops work on a video: stages not finished become canceled, so no frame of
 * it is claimed again (queued jobs drain as no-ops) and no later stage
 * starts. Frames already in flight finish and are recorded; frames done stay
 * done.
 */
export async function cancelVideo(ctx: PipelineContext, videoId: string): Promise<{ canceled: true }> {
  return transaction(ctx.pool, async (tx) => {
    const status = await lockedVideoStatus(tx, videoId);
    if (TERMINAL_VIDEO.includes(status) && status !== "failed") {
      throw new DomainError("conflict", "video_finished", `This video is already ${status}; there is nothing to cancel.`);
    }
    await cancelStages(tx, videoId);
    await markVideoCanceled(tx, videoId);
    await emitVideoStatusEvent(tx, ctx.boss, videoId, "canceled");
    return { canceled: true as const };
  });
}

/**
 * Removes a video: its rows (frames and history cascade), then its files.
 * The work comes first: with the row gone, the worker running the video's
 * ffmpeg or enhancer calls aborts them within a second (VideoStops), and the
 * folder removal retries while that happens. A folder that still cannot be
 * removed is left to the orphan-folder sweep; the video is gone either way.
 */
export async function deleteVideo(ctx: PipelineContext, videoId: string): Promise<void> {
  const deleted = await transaction(ctx.pool, async (tx) => {
    await lockedVideoStatus(tx, videoId);
    // Queued jobs of this video would only drain as no-ops; drop them now.
    await dropQueuedJobs(tx, videoId);
    return deleteVideoRow(tx, videoId);
  });
  if (!deleted) throw videoNotFound(videoId);
  await removeVideoFolder(ctx.dataDir, videoId).catch(() => {});
}

/**
 * "Encode anyway": every frame that failed for good uses its original image,
 * recorded as such (output_kind = 'original'), and the pipeline carries on to
 * encode and thumbnails.
 */
export async function encodeAnyway(ctx: PipelineContext, videoId: string): Promise<{ substituted: number }> {
  return transaction(ctx.pool, async (tx) => {
    await lockedVideoStatus(tx, videoId);
    const statuses = await readStageStatuses(tx, videoId);
    if (statuses.enhance !== "failed") {
      throw new DomainError("conflict", "enhance_not_failed", "Encode anyway is for a video whose enhance stage failed; this one's is " + statuses.enhance + ".");
    }
    const failed = await lockFailedFrameIndexes(tx, videoId);
    const paths = videoPaths(ctx.dataDir, videoId);
    await mkdir(paths.enhancedDir, { recursive: true });
    for (const frameIndex of failed) {
      await copyFile(paths.frame(frameIndex), paths.enhancedFrame(frameIndex));
    }
    const substituted = await completeFramesAsOriginal(tx, videoId, failed);
    if (!(await markEnhanceSubstituted(tx, videoId, `${substituted} frames use the original image (encode anyway)`))) {
      // Rolled back with the transaction: nothing was substituted.
      throw new DomainError("conflict", "enhance_not_settled", "Encode anyway could not finish the enhance stage: some of its frames are not settled (pending, running or failed). Try again in a moment.");
    }
    await resetStages(tx, videoId, downstreamOf("enhance"));
    await advanceVideo(tx, ctx, videoId);
    return { substituted };
  });
}

