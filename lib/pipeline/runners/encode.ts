import "server-only";
import type { Readable } from "node:stream";
import { encodeFrameStream, muxPictures } from "@/lib/media/storage-media";
import { videoKeys } from "@/lib/storage/keys";
import type { PipelineContext } from "../context";
import { EnhancedFrames } from "../enhanced-frames";
import { finishStage, isStageRunning } from "../flow";
import { readEncodeAhead, takeOverEncodeAhead } from "../sql/encode-ahead";
import { readStageStatus, setStageProgress } from "../sql/stage-rows";
import { readVideoMedia } from "../sql/video-rows";
import { AHEAD_STALE_SECONDS } from "./encode-ahead";
import { throttle } from "./stage-failure";

// The early encode is a few frames behind the last enhanced one when this starts: look often.
const AHEAD_POLL_MS = 100;

/**
 * Enhanced frames at the source frame rate + the original audio (+ captions
 * when ready) into a playable MP4. When the early encode (encode-ahead.ts)
 * has the pictures of every frame, they are copied in next to the audio and
 * captions; when it is still at work, this waits for it while it beats;
 * otherwise the frames are streamed from storage into ffmpeg in order (a
 * bounded window read ahead). The MP4 is uploaded as it is written: the
 * worker's scratch holds only the captions file.
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
    const audio = video.hasAudio ? await ctx.storage.mediaInput(keys.audio) : null;
    const sink = (data: Readable) => ctx.storage.put(keys.output, data, "video/mp4");
    const enhanced = new EnhancedFrames(ctx.pool, ctx.storage, videoId);
    const ahead = await awaitEncodeAhead(ctx, videoId, video.frameCount, signal, (done) => report(Math.min(0.95, done / video.frameCount)));
    const encoded = ahead
      ? await muxPictures({ pictures: await ctx.storage.mediaInput(keys.pictures), fpsNum: video.fpsNum, fpsDen: video.fpsDen, frameCount: video.frameCount, audio, captions, sink, signal })
      : await encodeFrameStream({
          readFrame: (i) => enhanced.read(i),
          fpsNum: video.fpsNum,
          fpsDen: video.fpsDen,
          frameCount: video.frameCount,
          audio,
          captions,
          sink,
          signal,
          onProgress: (done, total) => report(total > 0 ? Math.min(0.99, done / total) : 0),
        });
    const size = (await ctx.storage.head(keys.output))?.size ?? 0;
    const finished = await finishStage(ctx, videoId, "encode", "succeeded", {
      result: { bytes: size, frames: encoded.frameCount, captions: captions !== null, encodedAhead: ahead },
      message: ahead ? `${encoded.frameCount} frames (encoded while enhancing)` : `${encoded.frameCount} frames encoded`,
    });
    if (finished) await ctx.storage.delete(keys.pictures).catch(() => {});
  } finally {
    await workspace.release();
  }
}

/**
 * True when the early encode holds the pictures of exactly `frameCount`
 * frames in storage. Waits while it is at work and beating (it is at most a
 * few frames behind the last enhanced one); one that stopped beating is
 * taken over, and the caller encodes the frames itself.
 */
async function awaitEncodeAhead(ctx: PipelineContext, videoId: string, frameCount: number, signal: AbortSignal | undefined, onFrames: (frames: number) => unknown): Promise<boolean> {
  for (;;) {
    signal?.throwIfAborted();
    const ahead = await readEncodeAhead(ctx.pool, videoId);
    if (!ahead || ahead.status === "abandoned") return false;
    if (ahead.status === "done") return ahead.frames === frameCount && (await ctx.storage.head(videoKeys(videoId).pictures)) !== null;
    if (ahead.silentSeconds > AHEAD_STALE_SECONDS && (await takeOverEncodeAhead(ctx.pool, videoId, AHEAD_STALE_SECONDS))) return false;
    await onFrames(ahead.frames);
    await new Promise((resolve) => setTimeout(resolve, AHEAD_POLL_MS));
  }
}
