import "server-only";
import { probeMedia } from "@/lib/media/probe";
import { extractAudioStream, extractFrameStream } from "@/lib/media/storage-media";
import { FramePackWriter } from "@/lib/storage/frame-packs";
import { FRAMES_PER_PACK, videoKeys } from "@/lib/storage/keys";
import type { PipelineContext } from "../context";
import { addExtractedFrames, finishStage, isStageRunning, startEnhanceWithExtraction } from "../flow";
import { setStageProgress } from "../sql/stage-rows";
import { saveVideoMetadata } from "../sql/video-rows";
import { throttle } from "./stage-failure";

/** Frames per batch of rows and jobs made claimable during extraction (about a second of video): one pack of frames. */
export const FRAME_BATCH = FRAMES_PER_PACK;

/**
 * Probe, then extract every frame and the audio. The enhance stage starts
 * with the extraction: as frames land in storage (a pack of 32 at a time,
 * lib/storage/frame-packs.ts), their execution rows and jobs are created in
 * batches of FRAME_BATCH in order (addExtractedFrames),
 * so the first frames are enhanced within a second or two of the upload.
 * The transaction that finishes the stage adds the last batch; the enhance
 * stage's fan-in waits for it (finishEnhanceIfDone).
 *
 * The source is read where it is stored (a path, or a presigned URL ffmpeg
 * seeks in) and each pack of frames is put into storage as ffmpeg writes its
 * frames, so the worker's disk never holds the video or its frames. A re-run
 * (after a crash) writes the same packs again over the old ones (decoding is
 * deterministic, and a put replaces an object whole) and adds rows and jobs
 * only for frames that have none: frames already claimed keep their one row.
 */
export async function runPreprocess(ctx: PipelineContext, videoId: string, signal?: AbortSignal): Promise<void> {
  if (!(await isStageRunning(ctx.pool, videoId, "preprocess"))) return;
  const keys = videoKeys(videoId);
  // Errors are thrown to runStageAttempt (lib/pipeline/stage-run.ts), which retries or fails the stage.
  const source = await ctx.storage.mediaInput(keys.source);
  const info = await probeMedia(source, { signal });
  await saveVideoMetadata(ctx.pool, videoId, info, null);
  await setStageProgress(ctx.pool, videoId, "preprocess", 0, "extracting frames");
  await startEnhanceWithExtraction(ctx, videoId);
  const report = throttle(500, (p) => setStageProgress(ctx.pool, videoId, "preprocess", p));
  const batches = new FrameBatches((from, to) => addExtractedFrames(ctx, videoId, from, to));
  const packs = new FramePackWriter(async (first, pack, count) => {
    await ctx.storage.put(keys.framePack(first), pack, "application/octet-stream");
    await batches.landed(first, first + count);
  });
  const { frameCount } = await extractFrameStream({
    input: source,
    onFrame: (index, jpeg) => packs.add(index, jpeg),
    signal,
    frameCountEstimate: info.frameCountEstimate,
    sourcePixFmt: info.raw.video.pixFmt,
    onProgress: (done, total) => report(total > 0 ? Math.min(0.95, (done / total) * 0.95) : 0),
  }).catch(async (error: unknown) => {
    // A failed run returns only once its last batch of rows is in or out.
    await batches.settled().catch(() => {});
    throw error;
  });
  await packs.flush();
  const added = await batches.settled();
  await setStageProgress(ctx.pool, videoId, "preprocess", 0.96, info.hasAudio ? "extracting audio" : "creating frame records");
  if (info.hasAudio) await extractAudioStream({ input: source, signal, sink: (data) => ctx.storage.put(keys.audio, data, "audio/mp4") });
  const hasAudio = info.hasAudio;
  await finishStage(ctx, videoId, "preprocess", "succeeded", { result: { frameCount, hasAudio }, message: `${frameCount} frames extracted` }, async (tx) => {
    await saveVideoMetadata(tx, videoId, { ...info, hasAudio }, frameCount);
    await addExtractedFrames(ctx, videoId, added, frameCount, tx);
  });
}

/**
 * Packs land out of order (several puts in flight); rows are added for the
 * contiguous run 0..n-1 of frames in storage, a batch at a time, one batch
 * in flight. A failed batch fails the pack that triggered it, which stops
 * the extraction with that error.
 */
class FrameBatches {
  private readonly above = new Set<number>();
  private contiguous = 0;
  private added = 0;
  private inFlight: Promise<void> | null = null;

  constructor(private readonly add: (from: number, to: number) => Promise<unknown>) {}

  /** Frames from..to-1 are in storage. */
  async landed(from: number, to: number): Promise<void> {
    for (let index = from; index < to; index++) this.above.add(index);
    while (this.above.delete(this.contiguous)) this.contiguous++;
    // The batch in flight goes on with whatever became due meanwhile.
    if (this.inFlight) return;
    this.inFlight = this.addDue();
    try {
      await this.inFlight;
    } finally {
      this.inFlight = null;
    }
  }

  private async addDue(): Promise<void> {
    while (this.contiguous - this.added >= FRAME_BATCH) {
      const to = this.contiguous;
      await this.add(this.added, to);
      this.added = to;
    }
  }

  /** Waits for the batch in flight; returns how many frames (0..n-1) have their rows. */
  async settled(): Promise<number> {
    await this.inFlight;
    return this.added;
  }
}
