import "server-only";
import { encodePictureStream } from "@/lib/media/storage-media";
import { FramePackReader } from "@/lib/storage/frame-packs";
import { videoKeys } from "@/lib/storage/keys";
import type { PipelineContext } from "../context";
import { ENHANCED_PACK_BYTES } from "../enhanced-frames";
import { beatEncodeAhead, claimEncodeAhead, finishEncodeAhead, readNextFrames } from "../sql/encode-ahead";
import { readStageStatuses } from "../sql/stage-rows";
import { readVideoMedia } from "../sql/video-rows";

// The early encode: while the enhance stage runs, the enhanced frames are
// encoded in frame order as they become ready (video only, the same x264
// settings as the encode stage), so that when the last frame is enhanced
// the encode stage only copies these pictures next to the audio and
// captions (muxPictures) instead of encoding every frame after enhance.
//
// It is an optimisation and never decides anything: the stages, their
// fan-in and the frames' rows are untouched. It stops (abandoned) at a frame
// that failed for good, when the video is canceled or its extraction fails,
// or when the encode stage took over; the encode stage then encodes the
// frames itself, as it always did. It uses the pictures only when the early
// encode is `done` with exactly the video's frames.

/** The holder beats this often; silent for AHEAD_STALE_SECONDS, it is taken to be dead. */
const BEAT_MS = 5_000;
export const AHEAD_STALE_SECONDS = 30;
/** How often to look again for the next frame while it is not enhanced yet. */
const POLL_MS = 250;
const ROWS_PER_LOOK = 256;
/** Frames read from storage ahead of ffmpeg. */
const PREFETCH = 8;

class Stop extends Error {}

export async function runEncodeAhead(ctx: PipelineContext, videoId: string, workerId: string, signal?: AbortSignal): Promise<string> {
  if (!(await claimEncodeAhead(ctx.pool, videoId, workerId, AHEAD_STALE_SECONDS))) return "not started (the encode stage has begun, or another worker has it)";
  const keys = videoKeys(videoId);
  // Where each frame is comes with its row (readNextFrames).
  const enhanced = new FramePackReader(ctx.storage, ENHANCED_PACK_BYTES);
  const stopper = new AbortController();
  const stopOn = signal ? AbortSignal.any([signal, stopper.signal]) : stopper.signal;
  let fed = 0;
  let stopped: string | null = null;
  const stop = (reason: string): never => {
    stopped = reason;
    stopper.abort(new Stop(reason));
    throw new Stop(reason);
  };

  async function* frames(): AsyncGenerator<Buffer> {
    let beatAt = Date.now();
    let lookedAt = 0;
    for (;;) {
      stopOn.throwIfAborted();
      if (Date.now() - beatAt >= BEAT_MS) {
        if (!(await beatEncodeAhead(ctx.pool, videoId, workerId, fed))) stop("the encode stage took over");
        beatAt = Date.now();
      }
      const next = await readNextFrames(ctx.pool, videoId, fed, ROWS_PER_LOOK);
      if (next.kind === "end") return;
      if (next.kind === "failed") stop(`frame ${fed} failed for good; the encode stage will encode once it is retried or substituted`);
      if (next.kind === "ready" && next.packs.length === 0) {
        if (Date.now() - lookedAt >= 1000) {
          lookedAt = Date.now();
          const s = await readStageStatuses(ctx.pool, videoId);
          if (s.encode !== "pending") stop(`the encode stage is ${s.encode}`);
          if (s.preprocess === "failed" || s.preprocess === "canceled") stop(`extraction ${s.preprocess}`);
          if (s.enhance === "failed" || s.enhance === "canceled") stop(`the enhance stage ${s.enhance}`);
        }
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        continue;
      }
      // Frames first .. first + count - 1, PREFETCH reads ahead of ffmpeg.
      const first = fed;
      const packs = next.kind === "ready" ? next.packs : [];
      const count = packs.length;
      const reads: Promise<Buffer | null>[] = [];
      const read = (i: number) => {
        const r = enhanced.result(videoId, first + i, packs[i] ?? null);
        r.catch(() => {});
        reads.push(r);
      };
      for (let i = 0; i < Math.min(PREFETCH, count); i++) read(i);
      for (let i = 0; i < count; i++) {
        const data = await reads.shift()!;
        if (i + PREFETCH < count) read(i + PREFETCH);
        if (!data) stop(`enhanced frame ${first + i} is missing from storage`);
        yield data!;
        fed++;
      }
    }
  }

  try {
    const video = await readVideoMedia(ctx.pool, videoId);
    if (!video?.fpsNum || !video.fpsDen) stop("the video's frame rate is not known yet");
    const { frameCount } = await encodePictureStream({
      frames: frames(),
      fpsNum: video!.fpsNum,
      fpsDen: video!.fpsDen,
      sink: (data) => ctx.storage.put(keys.pictures, data, "video/mp4"),
      signal: stopOn,
    });
    if (frameCount !== fed) stop(`ffmpeg encoded ${frameCount} of the ${fed} frames it was given`);
    await finishEncodeAhead(ctx.pool, videoId, workerId, "done", fed, null);
    return `done: ${fed} frames`;
  } catch (error) {
    const reason = stopped ?? (signal?.aborted ? "the worker stopped, or the video was canceled" : `failed: ${(error as Error).message}`);
    await finishEncodeAhead(ctx.pool, videoId, workerId, "abandoned", fed, reason).catch(() => {});
    await ctx.storage.delete(keys.pictures).catch(() => {});
    return `abandoned after ${fed} frames: ${reason}`;
  }
}
