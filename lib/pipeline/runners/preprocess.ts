import "server-only";
import { mkdir, rm } from "node:fs/promises";
import { extractAudio, extractFrames } from "@/lib/media/ffmpeg";
import { probeMedia } from "@/lib/media/probe";
import { videoPaths } from "@/lib/storage/paths";
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
 */
export async function runPreprocess(ctx: PipelineContext, videoId: string, signal?: AbortSignal): Promise<void> {
  if (!(await isStageRunning(ctx.pool, videoId, "preprocess"))) return;
  const paths = videoPaths(ctx.dataDir, videoId);
  // Errors are thrown to runStageAttempt (lib/pipeline/stage-run.ts), which retries or fails the stage.
  {
    const info = await probeMedia(paths.source, { signal });
    await saveVideoMetadata(ctx.pool, videoId, info, null);
    await setStageProgress(ctx.pool, videoId, "preprocess", 0, "extracting frames");
    await rm(paths.framesDir, { recursive: true, force: true });
    await mkdir(paths.framesDir, { recursive: true });
    const report = throttle(500, (p) => setStageProgress(ctx.pool, videoId, "preprocess", p));
    const { frameCount } = await extractFrames({
      source: paths.source,
      framesDir: paths.framesDir,
      signal,
      frameCountEstimate: info.frameCountEstimate,
      onProgress: (done, total) => report(total > 0 ? Math.min(0.95, (done / total) * 0.95) : 0),
    });
    await setStageProgress(ctx.pool, videoId, "preprocess", 0.96, info.hasAudio ? "extracting audio" : "creating frame records");
    const hasAudio = info.hasAudio ? await extractAudio({ source: paths.source, output: paths.audio, signal }) : false;
    await finishStage(ctx, videoId, "preprocess", "succeeded", { result: { frameCount, hasAudio }, message: `${frameCount} frames extracted` }, async (tx) => {
      await saveVideoMetadata(tx, videoId, { ...info, hasAudio }, frameCount);
      await insertFrames(tx, videoId, frameCount, ctx.frameMaxAttempts);
    });
  }
}
