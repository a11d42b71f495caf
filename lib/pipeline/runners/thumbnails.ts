import "server-only";
import { generateThumbnails } from "@/lib/media/thumbnails";
import { videoPaths } from "@/lib/storage/paths";
import type { PipelineContext } from "../context";
import { finishStage, isStageRunning } from "../flow";
import { setStageProgress } from "../sql/stage-rows";
import { readVideoMedia } from "../sql/video-rows";

/** Poster, N evenly spaced thumbnails and a scrubbing sprite + WebVTT, from the enhanced frames. */
export function thumbnailsRunner(count: number) {
  return async (ctx: PipelineContext, videoId: string, signal?: AbortSignal): Promise<void> => {
    if (!(await isStageRunning(ctx.pool, videoId, "thumbnails"))) return;
    // Errors are thrown to runStageAttempt (lib/pipeline/stage-run.ts), which retries or fails the stage.
    {
      const v = await readVideoMedia(ctx.pool, videoId);
      if (!v) return;
      const paths = videoPaths(ctx.dataDir, videoId);
      await setStageProgress(ctx.pool, videoId, "thumbnails", 0, "choosing a poster");
      const result = await generateThumbnails({ framesDir: paths.enhancedDir, frameCount: v.frameCount, fps: v.fpsNum / v.fpsDen, outDir: paths.thumbnailsDir, count, signal });
      await finishStage(ctx, videoId, "thumbnails", "succeeded", { result: { count: result.count }, message: `${result.count} thumbnails` });
    }
  };
}
