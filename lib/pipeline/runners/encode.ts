import "server-only";
import { access, stat } from "node:fs/promises";
import { encodeVideo } from "@/lib/media/ffmpeg";
import { videoPaths } from "@/lib/storage/paths";
import type { PipelineContext } from "../context";
import { finishStage, isStageRunning } from "../flow";
import { readStageStatus, setStageProgress } from "../sql/stage-rows";
import { readVideoMedia } from "../sql/video-rows";
import { throttle } from "./stage-failure";

/** Enhanced frames at the source frame rate + the original audio (+ captions when ready) into a playable MP4. */
export async function runEncode(ctx: PipelineContext, videoId: string, signal?: AbortSignal): Promise<void> {
  if (!(await isStageRunning(ctx.pool, videoId, "encode"))) return;
  const paths = videoPaths(ctx.dataDir, videoId);
  // Errors are thrown to runStageAttempt (lib/pipeline/stage-run.ts), which retries or fails the stage.
  {
    const video = await readVideoMedia(ctx.pool, videoId);
    if (!video) return;
    const withCaptions = (await readStageStatus(ctx.pool, videoId, "captions")) === "succeeded" && (await exists(paths.captions));
    await setStageProgress(ctx.pool, videoId, "encode", 0, "encoding");
    const report = throttle(500, (p) => setStageProgress(ctx.pool, videoId, "encode", p));
    const encoded = await encodeVideo({
      framesDir: paths.enhancedDir,
      fpsNum: video.fpsNum,
      fpsDen: video.fpsDen,
      frameCount: video.frameCount,
      audio: video.hasAudio ? paths.audio : null,
      captions: withCaptions ? paths.captions : null,
      output: paths.output,
      signal,
      onProgress: (done, total) => report(total > 0 ? Math.min(0.99, done / total) : 0),
    });
    const { size } = await stat(paths.output);
    await finishStage(ctx, videoId, "encode", "succeeded", { result: { bytes: size, frames: encoded.frameCount, captions: withCaptions }, message: `${encoded.frameCount} frames encoded` });
  }
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(() => true, () => false);
}
