import "server-only";
import { encodeFrameStream } from "@/lib/media/storage-media";
import { videoKeys } from "@/lib/storage/keys";
import type { PipelineContext } from "../context";
import { finishStage, isStageRunning } from "../flow";
import { readStageStatus, setStageProgress } from "../sql/stage-rows";
import { readVideoMedia } from "../sql/video-rows";
import { throttle } from "./stage-failure";

/**
 * Enhanced frames at the source frame rate + the original audio (+ captions
 * when ready) into a playable MP4. The frames are streamed from storage into
 * ffmpeg in order (a bounded window read ahead) and the MP4 is uploaded as it
 * is written: the worker's scratch holds only the captions file.
 */
export async function runEncode(ctx: PipelineContext, videoId: string, signal?: AbortSignal): Promise<void> {
  if (!(await isStageRunning(ctx.pool, videoId, "encode"))) return;
  const keys = videoKeys(videoId);
  // Errors are thrown to runStageAttempt (lib/pipeline/stage-run.ts), which retries or fails the stage.
  const workspace = await ctx.scratch.workspace("encode");
  try {
    const video = await readVideoMedia(ctx.pool, videoId);
    if (!video) return;
    const withCaptions = (await readStageStatus(ctx.pool, videoId, "captions")) === "succeeded";
    const captions = withCaptions ? await ctx.scratch.download(ctx.storage, keys.captions, workspace.dir, "the captions file") : null;
    await setStageProgress(ctx.pool, videoId, "encode", 0, "encoding");
    const report = throttle(500, (p) => setStageProgress(ctx.pool, videoId, "encode", p));
    const encoded = await encodeFrameStream({
      readFrame: (i) => ctx.storage.get(keys.enhancedFrame(i)),
      fpsNum: video.fpsNum,
      fpsDen: video.fpsDen,
      frameCount: video.frameCount,
      audio: video.hasAudio ? await ctx.storage.mediaInput(keys.audio) : null,
      captions,
      sink: (data) => ctx.storage.put(keys.output, data, "video/mp4"),
      signal,
      onProgress: (done, total) => report(total > 0 ? Math.min(0.99, done / total) : 0),
    });
    const size = (await ctx.storage.head(keys.output))?.size ?? 0;
    await finishStage(ctx, videoId, "encode", "succeeded", { result: { bytes: size, frames: encoded.frameCount, captions: captions !== null }, message: `${encoded.frameCount} frames encoded` });
  } finally {
    await workspace.release();
  }
}
