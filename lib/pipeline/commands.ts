import "server-only";
import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import type pg from "pg";
import { transaction } from "@/lib/db/client";
import { probeMedia } from "@/lib/media/probe";
import { mediaName } from "@/lib/media/untrusted-input";
import { MediaError } from "@/lib/media/errors";
import { sendFrameJobs, sendVideoJob } from "@/lib/queue/boss";
import { FramePackReader } from "@/lib/storage/frame-packs";
import { videoKeys } from "@/lib/storage/keys";
import type { PipelineContext } from "./context";
import { DomainError, videoNotFound } from "./errors";
import { advanceVideo } from "./flow";
import { requeueFailedFrames, type RetrySelector } from "./sql/requeue-frames";
import { framesPurgedAt } from "./sql/retention";
import { completeFramesAsOriginal } from "./sql/substitute-frames";
import { lockFailedFrameIndexes } from "./sql/frame-indexes";
import { dropQueuedJobs } from "./sql/queued-jobs";
import { cancelStages, insertStageRows, markEnhanceSubstituted, markStageRunning, readStageStatuses, resetStages } from "./sql/stage-rows";
import { deleteVideoRow, insertVideo, lockVideo, markVideoCanceled, readVideoStatus, setVideoStatus } from "./sql/video-rows";
import { downstreamOf, TERMINAL_VIDEO, type VideoStatus } from "./stages";
import { emitVideoStatusEvent } from "@/lib/webhooks/emit";

/** Where an upload's bytes are when it becomes a video. */
export type UploadedSource =
  /** A file on this machine (a test, a script). */
  | { tempPath: string; id?: undefined; source?: undefined }
  /** Already streamed to the video's source object (multipart): `id` is the video id it was stored under. */
  | { id: string; tempPath?: undefined; source?: undefined }
  /** Bytes elsewhere (a tus upload's parts), copied into the source object; `id` is stable across retries. */
  | { id: string; source: () => Promise<Readable>; tempPath?: undefined };

/**
 * Turns an upload into a video: its bytes become the video's source object,
 * which is probed, so a file that is not a video is refused with a sentence
 * and removed, leaving nothing behind; then the video and its stage rows are
 * created and preprocess is queued in the same transaction. With a given id,
 * a second call for a video that already exists answers that video (a retry
 * after a crash must not make a second one).
 */
export async function createVideo(
  ctx: PipelineContext,
  upload: UploadedSource & { originalName: string; title?: string | null; sizeBytes: number },
): Promise<{ id: string }> {
  const id = upload.id ?? randomUUID();
  const keys = videoKeys(id);
  if (upload.id && (await ctx.pool.query(`SELECT 1 FROM videos WHERE id = $1`, [id])).rowCount) return { id };
  const refuse = async (error: MediaError, stored: string): Promise<never> => {
    throw new DomainError("unsupported", error.code, error.message.replace(new RegExp(`\\b${escapeRegExp(stored)}\\b`, "g"), upload.originalName));
  };
  try {
    if (upload.tempPath !== undefined) {
      // A local file is probed before it is stored: a refused one costs no upload.
      try {
        await probeMedia(upload.tempPath);
      } catch (error) {
        // The file is at fault: refuse it and leave nothing behind. Any other
        // failure (ffprobe missing, the machine overloaded) is ours: the upload
        // is kept for the caller to retry rather than thrown away.
        if (error instanceof MediaError && error.isInputError) {
          await rm(upload.tempPath, { force: true });
          await refuse(error, path.basename(upload.tempPath));
        }
        throw error;
      }
      await ctx.storage.putFile(keys.source, upload.tempPath);
    } else {
      if (upload.source) await ctx.storage.put(keys.source, await upload.source());
      const input = await ctx.storage.mediaInput(keys.source);
      try {
        await probeMedia(input);
      } catch (error) {
        if (error instanceof MediaError && error.isInputError) {
          await ctx.storage.deletePrefix(keys.prefix);
          await refuse(error, mediaName(input));
        }
        throw error;
      }
    }
  } catch (error) {
    // Ours (not the file's): whatever was stored of this attempt goes; the caller keeps its bytes to retry.
    if (!(error instanceof DomainError) && upload.tempPath === undefined && upload.source) await ctx.storage.deletePrefix(keys.prefix).catch(() => {});
    throw error;
  }
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
    // Another process created it meanwhile (same upload, same id): that video is the answer.
    if (upload.id && (error as { code?: string }).code === "23505") return { id };
    await ctx.storage.deletePrefix(keys.prefix);
    throw error;
  }
  return { id };
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

async function lockedVideoStatus(tx: pg.PoolClient, videoId: string): Promise<VideoStatus> {
  await lockVideo(tx, videoId);
  const status = await readVideoStatus(tx, videoId);
  if (!status) throw videoNotFound(videoId);
  return status;
}

/** A video whose frame files retention removed cannot be re-enhanced or re-encoded: say so, with when. */
async function assertFramesKept(tx: pg.PoolClient, videoId: string, what: string): Promise<void> {
  const purgedAt = await framesPurgedAt(tx, videoId);
  if (!purgedAt) return;
  throw new DomainError(
    "conflict",
    "frames_purged",
    `The frame images of this video were removed on ${purgedAt.toISOString().slice(0, 16).replace("T", " ")} UTC (frames are kept FRAME_RETENTION_HOURS after a video completes), so its frames cannot be ${what}. The output, thumbnails and captions are kept; upload the video again to process it anew.`,
  );
}

/**
 * Re-queues failed frames (a list, all failed, or one error group). Frames
 * already succeeded are untouched; the enhance stage re-opens and the stages
 * after it (thumbnails, encode) run again once it finishes.
 */
export async function retryFrames(ctx: PipelineContext, videoId: string, selector: RetrySelector): Promise<{ requeued: number }> {
  return transaction(ctx.pool, async (tx) => {
    const status = await lockedVideoStatus(tx, videoId);
    await assertFramesKept(tx, videoId, "retried");
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
  // The row is gone; files a failure leaves behind are removed by the
  // sweeper's pass over folders without a video row (local storage).
  await ctx.storage.deletePrefix(videoKeys(videoId).prefix).catch(() => {});
}

/**
 * "Encode anyway": every frame that failed for good uses its original image,
 * recorded as such (output_kind = 'original'), and the pipeline carries on to
 * encode and thumbnails.
 */
export async function encodeAnyway(ctx: PipelineContext, videoId: string): Promise<{ substituted: number }> {
  return transaction(ctx.pool, async (tx) => {
    await lockedVideoStatus(tx, videoId);
    await assertFramesKept(tx, videoId, "encoded again");
    const statuses = await readStageStatuses(tx, videoId);
    if (statuses.enhance !== "failed") {
      throw new DomainError("conflict", "enhance_not_failed", "Encode anyway is for a video whose enhance stage failed; this one's is " + statuses.enhance + ".");
    }
    const failed = await lockFailedFrameIndexes(tx, videoId);
    const keys = videoKeys(videoId);
    // Failures come in stretches: each pack of originals is read once.
    const originals = new FramePackReader(ctx.storage);
    for (const frameIndex of failed) {
      const original = await originals.frame(videoId, frameIndex);
      if (!original) throw new DomainError("conflict", "frames_missing", `The original image of frame ${frameIndex} is not in storage: encode anyway cannot use it.`);
      await ctx.storage.put(keys.enhancedFrame(frameIndex), original, "image/jpeg");
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

