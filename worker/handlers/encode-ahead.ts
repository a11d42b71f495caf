import type { Job } from "pg-boss";
import type { PipelineContext } from "@/lib/pipeline/context";
import { runEncodeAhead } from "@/lib/pipeline/runners/encode-ahead";
import type { VideoStops } from "@/lib/pipeline/video-stops";
import { videoJob } from "@/lib/queue/jobs";

/**
 * Queue `encode-ahead`: the early encode of one video. It never throws: an
 * early encode that stops is recorded as abandoned on its row, and the
 * encode stage does the work instead (a retry would only start over).
 */
export function encodeAheadHandler(ctx: PipelineContext, workerId: string, signal: AbortSignal, stops: VideoStops, log: (message: string) => void) {
  return async (jobs: Job<unknown>[]) => {
    for (const job of jobs) {
      const { videoId } = videoJob.parse(job.data);
      // Stops (and so kills its ffmpeg) on our shutdown or when the video is canceled or deleted.
      const watch = stops.watch(videoId, signal);
      try {
        log(`early encode of ${videoId}: ${await runEncodeAhead(ctx, videoId, workerId, watch.signal)}`);
      } finally {
        watch.release();
      }
    }
  };
}
