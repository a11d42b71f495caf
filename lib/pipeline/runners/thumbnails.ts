import "server-only";
import { generateThumbnails, thumbnailFileName, THUMBNAIL_FILES } from "@/lib/media/thumbnails";
import { videoKeys } from "@/lib/storage/keys";
import type { PipelineContext } from "../context";
import { EnhancedFrames } from "../enhanced-frames";
import { finishStage, isStageRunning } from "../flow";
import { setStageProgress } from "../sql/stage-rows";
import { readVideoMedia } from "../sql/video-rows";

const CONTENT_TYPES: Record<string, string> = { [THUMBNAIL_FILES.sprite]: "image/jpeg", [THUMBNAIL_FILES.spriteVtt]: "text/vtt" };

/** Poster, N evenly spaced thumbnails and a scrubbing sprite + WebVTT, from the enhanced frames (only the sampled ones are read from storage). */
export function thumbnailsRunner(count: number) {
  return async (ctx: PipelineContext, videoId: string, signal?: AbortSignal): Promise<void> => {
    if (!(await isStageRunning(ctx.pool, videoId, "thumbnails"))) return;
    // Errors are thrown to runStageAttempt (lib/pipeline/stage-run.ts), which retries or fails the stage.
    const v = await readVideoMedia(ctx.pool, videoId);
    if (!v) return;
    const keys = videoKeys(videoId);
    const enhanced = new EnhancedFrames(ctx.pool, ctx.storage, videoId);
    await setStageProgress(ctx.pool, videoId, "thumbnails", 0, "choosing a poster");
    const result = await generateThumbnails({
      framesDir: "",
      outDir: "",
      frameCount: v.frameCount,
      fps: v.fpsNum / v.fpsDen,
      count,
      signal,
      readFrame: async (i) => {
        const data = await enhanced.read(i);
        if (!data) throw new Error(`the enhanced image of frame ${i} is not in storage`);
        return data;
      },
      writeOutput: (name, data) => ctx.storage.put(keys.thumbnail(name), data, CONTENT_TYPES[name] ?? "image/webp"),
    });
    // A rerun with a smaller N leaves no stale thumbnail behind.
    for (let n = result.count; await ctx.storage.head(keys.thumbnail(thumbnailFileName(n))); n++) await ctx.storage.delete(keys.thumbnail(thumbnailFileName(n)));
    await finishStage(ctx, videoId, "thumbnails", "succeeded", { result: { count: result.count }, message: `${result.count} thumbnails` });
  };
}
