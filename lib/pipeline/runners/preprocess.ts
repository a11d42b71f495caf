import "server-only";
import { probeMedia } from "@/lib/media/probe";
import { extractAudioStream, extractFrameStream } from "@/lib/media/storage-media";
import { videoKeys } from "@/lib/storage/keys";
import type { PipelineContext } from "../context";
import { finishStage, isStageRunning } from "../flow";
import { insertFrames } from "../sql/insert-frames";
import { setStageProgress } from "../sql/stage-rows";
import { saveVideoMetadata } from "../sql/video-rows";
import { throttle } from "./stage-failure";

/**
 * Probe, extract every frame and the audio, then, in the transaction that
 * finishes the stage, one execution row per frame (the enhance stage starts
 * in that same transaction and its frame jobs are sent with it).
 *
 * The source is read where it is stored (a path, or a presigned URL ffmpeg
 * seeks in) and each frame is put into storage as ffmpeg writes it, so the
 * worker's disk never holds the video or its frames.
 */
export async function runPreprocess(ctx: PipelineContext, videoId: string, signal?: AbortSignal): Promise<void> {
  if (!(await isStageRunning(ctx.pool, videoId, "preprocess"))) return;
  const keys = videoKeys(videoId);
  // Errors are thrown to runStageAttempt (lib/pipeline/stage-run.ts), which retries or fails the stage.
  const source = await ctx.storage.mediaInput(keys.source);
  const info = await probeMedia(source, { signal });
  await saveVideoMetadata(ctx.pool, videoId, info, null);
  await setStageProgress(ctx.pool, videoId, "preprocess", 0, "extracting frames");
  // Frames of an earlier, interrupted run go first, so the count is this run's.
  await ctx.storage.deletePrefix(keys.framesPrefix);
  const report = throttle(500, (p) => setStageProgress(ctx.pool, videoId, "preprocess", p));
  const { frameCount } = await extractFrameStream({
    input: source,
    onFrame: (index, jpeg) => ctx.storage.put(keys.frame(index), jpeg, "image/jpeg"),
    signal,
    frameCountEstimate: info.frameCountEstimate,
    onProgress: (done, total) => report(total > 0 ? Math.min(0.95, (done / total) * 0.95) : 0),
  });
  await setStageProgress(ctx.pool, videoId, "preprocess", 0.96, info.hasAudio ? "extracting audio" : "creating frame records");
  if (info.hasAudio) await extractAudioStream({ input: source, signal, sink: (data) => ctx.storage.put(keys.audio, data, "audio/mp4") });
  const hasAudio = info.hasAudio;
  await finishStage(ctx, videoId, "preprocess", "succeeded", { result: { frameCount, hasAudio }, message: `${frameCount} frames extracted` }, async (tx) => {
    await saveVideoMetadata(tx, videoId, { ...info, hasAudio }, frameCount);
    await insertFrames(tx, videoId, frameCount, ctx.frameMaxAttempts);
  });
}
