import { encodeFrameStream } from "@/lib/media/storage-media";
import { videoKeys } from "@/lib/storage/keys";
import type { PipelineContext } from "../context";
import { finishStage, isStageRunning } from "../flow";
import { setStageProgress } from "../sql/stage-rows";
import { isAbort, stageErrorFrom, throttle } from "./stage-failure";

/**
 * Enhanced frames at the source frame rate + the original audio (+ captions
 * when ready) into a playable MP4. The frames are streamed from storage into
 * ffmpeg in order (a bounded window read ahead) and the MP4 is uploaded as it
 * is written: the worker's scratch holds only the captions file.
 */
export async function runEncode(ctx: PipelineContext, videoId: string, signal?: AbortSignal): Promise<void> {
  if (!(await isStageRunning(ctx.pool, videoId, "encode"))) return;
  const keys = videoKeys(videoId);
  const workspace = await ctx.scratch.workspace("encode");
  try {
    const { rows } = await ctx.pool.query<{ fps_num: number; fps_den: number; frame_count: number; has_audio: boolean; captions: string }>(
      `SELECT v.fps_num, v.fps_den, v.frame_count, v.has_audio, s.status AS captions
         FROM videos v JOIN video_stages s ON s.video_id = v.id AND s.name = 'captions' WHERE v.id = $1`,
      [videoId],
    );
    const video = rows[0];
    if (!video) return;
    const captions = video.captions === "succeeded" ? await ctx.scratch.download(ctx.storage, keys.captions, workspace.dir, "the captions file") : null;
    await setStageProgress(ctx.pool, videoId, "encode", 0, "encoding");
    const report = throttle(500, (p) => setStageProgress(ctx.pool, videoId, "encode", p));
    const encoded = await encodeFrameStream({
      readFrame: (i) => ctx.storage.get(keys.enhancedFrame(i)),
      fpsNum: video.fps_num,
      fpsDen: video.fps_den,
      frameCount: video.frame_count,
      audio: video.has_audio ? await ctx.storage.mediaInput(keys.audio) : null,
      captions,
      sink: (data) => ctx.storage.put(keys.output, data, "video/mp4"),
      signal,
      onProgress: (done, total) => report(total > 0 ? Math.min(0.99, done / total) : 0),
    });
    const size = (await ctx.storage.head(keys.output))?.size ?? 0;
    await finishStage(ctx, videoId, "encode", "succeeded", { result: { bytes: size, frames: encoded.frameCount, captions: captions !== null }, message: `${encoded.frameCount} frames encoded` });
  } catch (error) {
    if (isAbort(error, signal)) throw error;
    await finishStage(ctx, videoId, "encode", "failed", { error: stageErrorFrom(error) });
  } finally {
    await workspace.release();
  }
}
