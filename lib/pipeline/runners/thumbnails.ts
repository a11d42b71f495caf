import { generateThumbnails, thumbnailFileName, THUMBNAIL_FILES } from "@/lib/media/thumbnails";
import { videoKeys } from "@/lib/storage/keys";
import type { PipelineContext } from "../context";
import { finishStage, isStageRunning } from "../flow";
import { setStageProgress } from "../sql/stage-rows";
import { isAbort, stageErrorFrom } from "./stage-failure";

const CONTENT_TYPES: Record<string, string> = { [THUMBNAIL_FILES.sprite]: "image/jpeg", [THUMBNAIL_FILES.spriteVtt]: "text/vtt" };

/** Poster, N evenly spaced thumbnails and a scrubbing sprite + WebVTT, from the enhanced frames (only the sampled ones are read from storage). */
export function thumbnailsRunner(count: number) {
  return async (ctx: PipelineContext, videoId: string, signal?: AbortSignal): Promise<void> => {
    if (!(await isStageRunning(ctx.pool, videoId, "thumbnails"))) return;
    try {
      const { rows } = await ctx.pool.query<{ frame_count: number; fps_num: number; fps_den: number }>(
        `SELECT frame_count, fps_num, fps_den FROM videos WHERE id = $1`,
        [videoId],
      );
      const v = rows[0];
      if (!v) return;
      const keys = videoKeys(videoId);
      await setStageProgress(ctx.pool, videoId, "thumbnails", 0, "choosing a poster");
      const result = await generateThumbnails({
        framesDir: "",
        outDir: "",
        frameCount: v.frame_count,
        fps: v.fps_num / v.fps_den,
        count,
        signal,
        readFrame: async (i) => {
          const data = await ctx.storage.get(keys.enhancedFrame(i));
          if (!data) throw new Error(`the enhanced image of frame ${i} is not in storage`);
          return data;
        },
        writeOutput: (name, data) => ctx.storage.put(keys.thumbnail(name), data, CONTENT_TYPES[name] ?? "image/webp"),
      });
      // A rerun with a smaller N leaves no stale thumbnail behind.
      for (let n = result.count; await ctx.storage.head(keys.thumbnail(thumbnailFileName(n))); n++) await ctx.storage.delete(keys.thumbnail(thumbnailFileName(n)));
      await finishStage(ctx, videoId, "thumbnails", "succeeded", { result: { count: result.count }, message: `${result.count} thumbnails` });
    } catch (error) {
      if (isAbort(error, signal)) throw error;
      await finishStage(ctx, videoId, "thumbnails", "failed", { error: stageErrorFrom(error) });
    }
  };
}
