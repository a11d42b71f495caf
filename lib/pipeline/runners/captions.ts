import "server-only";
import path from "node:path";
import { transcribeToVtt } from "@/lib/captions/transcribe-audio";
import { selectTranscriber, transcriberSkipReason, type TranscriberConfig } from "@/lib/captions/transcriber";
import { videoKeys } from "@/lib/storage/keys";
import type { PipelineContext } from "../context";
import { finishStage, isStageRunning } from "../flow";
import { setStageProgress } from "../sql/stage-rows";
import { readVideoMedia } from "../sql/video-rows";
import { throttle } from "./stage-failure";

/** Speech to text from the audio kept by preprocess, as WebVTT; skipped (with the reason) when there is no audio or no transcriber. */
export function captionsRunner(config: TranscriberConfig) {
  return async (ctx: PipelineContext, videoId: string, signal?: AbortSignal): Promise<void> => {
    if (!(await isStageRunning(ctx.pool, videoId, "captions"))) return;
    if (!(await readVideoMedia(ctx.pool, videoId))?.hasAudio) {
      await finishStage(ctx, videoId, "captions", "skipped", { message: "the video has no audio track" });
      return;
    }
    // Errors are thrown to runStageAttempt (lib/pipeline/stage-run.ts), which retries or fails the stage.
    {
      const transcriber = selectTranscriber(config);
      if (!transcriber) {
        await finishStage(ctx, videoId, "captions", "skipped", { message: transcriberSkipReason(config) });
        return;
      }
      await setStageProgress(ctx.pool, videoId, "captions", 0, `transcribing with ${transcriber.name}`);
      const report = throttle(1000, (p) => setStageProgress(ctx.pool, videoId, "captions", p));
      // The transcribers read the audio with ffmpeg, from where it is stored
      // (a path, or a presigned URL); only the small .vtt is written to scratch.
      const keys = videoKeys(videoId);
      const workspace = await ctx.scratch.workspace("captions");
      const result = await transcribeToVtt({
        audioPath: await ctx.storage.mediaInput(keys.audio),
        outPath: path.join(workspace.dir, "captions.vtt"),
        transcriber,
        signal,
        onProgress: (p: number) => report(p),
      })
        .then(async (r) => {
          await ctx.storage.putFile(keys.captions, path.join(workspace.dir, "captions.vtt"), "text/vtt");
          return r;
        })
        .finally(() => workspace.release());
      await finishStage(ctx, videoId, "captions", "succeeded", {
        result: { cues: result.cues.length, transcriber: result.transcriber },
        message: `${result.cues.length} cues (${result.transcriber})`,
      });
    }
  };
}
