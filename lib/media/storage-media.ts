import type { Readable } from "node:stream";
import { ffmpegFeatures, ffmpegPath, passthroughArgs } from "./binaries";
import { MediaError } from "./errors";
import { JPEG_DECODE_ARGS, JpegSplitter } from "./jpeg-stream";
import { runPipedFfmpeg, type PipedFfmpeg } from "./piped-ffmpeg";
import { readProbeJson } from "./probe";
import { createProgressReporter, type ProgressCallback } from "./progress";
import { derivedInputArgs, extractionFrameCap, untrustedInputArgs } from "./untrusted-input";

// The pipeline's ffmpeg runs for a worker without a shared disk: frames and
// outputs move between ffmpeg and storage through pipes, never through a
// folder that would hold the whole video. Callers pass where each frame goes
// (onFrame) or comes from (readFrame) and where the output goes (sink); this
// file knows ffmpeg, not storage.

// Range conversions (limited-range video <-> full-range JPEG). zscale (zimg,
// SIMD) converts a 720p frame in ~2.3 M instructions; a lookup table on the
// three planes of a relabelled frame takes ~10.8 M, swscale's conversion more
// (it runs its whole scaler): for 1,800 720p frames ~1.2 s less CPU in
// extraction and again in encoding than the tables. Same pixels: luma
// identical, chroma identical but for the tie at 0.5 (limited 16 -> 0, not 1).
// The tables stay for an ffmpeg built without libzimg. In them
// `scale=in_range=X:out_range=X` only relabels (same range on both sides), and
// +0.5 rounds where the table would truncate.
export interface RangeFilters {
  /** For a limited-range yuv420p source (nearly every camera and phone recording). */
  limitedToFull: string;
  /**
   * JPEG frames (full range, 4:2:0 or 4:4:4) to what libx264 takes: even
   * dimensions (4:2:0 chroma; the odd row/column is dropped), 4:2:0, limited
   * range. The frames must say "limited" (zscale's do; setparams after the
   * table), or libx264 marks the whole stream full range (it reads the range
   * off the frames) and players show it flat. (A JPEG that ffmpeg itself
   * marked as limited range would come out a little flat; ours never are.)
   */
  forX264: string;
}

/** The range conversions: by zscale where the ffmpeg build has it, else by the lookup tables. */
export function rangeFilters(zscale: boolean = ffmpegFeatures(ffmpegPath()).zscale): RangeFilters {
  return zscale
    ? {
        limitedToFull: "zscale=rangein=limited:range=full",
        forX264: "crop=trunc(iw/2)*2:trunc(ih/2)*2:0:0,zscale=rangein=full:range=limited,format=yuv420p",
      }
    : {
        limitedToFull: "scale=in_range=pc:out_range=pc,format=yuvj420p,lutyuv=y='(val-16)*255/219+0.5':u='(val-128)*255/224+128.5':v='(val-128)*255/224+128.5'",
        forX264:
          "scale=trunc(iw/2)*2:trunc(ih/2)*2:in_range=pc:out_range=pc,format=yuv420p," +
          "lutyuv=y='16+val*219/255+0.5':u='128+(val-128)*224/255+0.5':v='128+(val-128)*224/255+0.5',setparams=range=tv",
      };
}

/** Frames in flight to storage during extraction; ffmpeg waits (pipe backpressure) beyond it. */
export const EXTRACT_WINDOW = 16;
/** Frames fetched ahead of ffmpeg's stdin during encoding. */
export const ENCODE_PREFETCH = 16;

/**
 * Every decoded frame of the input's first real video stream as a JPEG
 * (passthrough: no frame-rate conversion), handed to onFrame(index, jpeg) in
 * order of decoding as ffmpeg produces it. At most `window` onFrame calls run
 * at once; memory holds about `window` frames.
 */
export async function extractFrameStream(options: {
  input: string;
  onFrame: (index: number, jpeg: Buffer) => Promise<void>;
  frameCountEstimate: number;
  /** The source's pixel format as probed ("yuv420p": limited range 4:2:0, converted by a lookup table). */
  sourcePixFmt?: string | undefined;
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
  window?: number;
  /** Default FFMPEG_STALL_SECONDS. */
  stallSeconds?: number;
}): Promise<{ frameCount: number }> {
  const window = options.window ?? EXTRACT_WINDOW;
  const progress = createProgressReporter({ totalEstimate: options.frameCountEstimate, onProgress: options.onProgress });
  // Never more frames than the probe said, give or take (a lying header cannot run away).
  const cap = options.frameCountEstimate > 0 ? extractionFrameCap(options.frameCountEstimate) : undefined;
  const ff = runPipedFfmpeg({
    what: "frame extraction",
    signal: options.signal,
    ...(options.stallSeconds !== undefined ? { stallSeconds: options.stallSeconds } : {}),
    args: [
      // One thread each to decode, filter and encode. Extraction runs while
      // the frames it already handed over are enhanced and encoded, so the
      // cores are busy anyway and more threads only add synchronisation:
      // frame-threaded H.264 decoding took ~20% more CPU for the same frames
      // (a 720p clip: 7.7 s of CPU single-threaded, 9.0-10.1 s threaded).
      // Alone, one thread still extracts 720p at ~230 frames/s, several
      // times the pace at which frames are enhanced and encoded.
      ...untrustedInputArgs(options.input, { inputOptions: ["-threads", "1"] }),
      // 0:V is video that is not cover art or a thumbnail (as in media-info.ts).
      "-map", "0:V:0",
      ...passthroughArgs(ffmpegPath()),
      // Frames are numbered as the decoder hands them out, as a player shows
      // them; the source's own timestamps are dropped. Recordings joined end
      // to end (timestamps that jump back or repeat) otherwise stop the JPEG
      // encoder at the first repeat ("Invalid pts ... <= last").
      "-vf", options.sourcePixFmt === "yuv420p" ? `settb=1/1000,setpts=N,${rangeFilters().limitedToFull}` : "settb=1/1000,setpts=N",
      "-filter_threads", "1",
      "-enc_time_base", "1:1000",
      // Standard Huffman tables: ffmpeg's default, optimal ones, cost a second
      // pass over each frame (~8% of the extraction's CPU) for 12% fewer bytes.
      "-q:v", "3", "-huffman", "default",
      ...(cap ? ["-frames:v", String(cap)] : []),
      "-threads", "1", "-c:v", "mjpeg", "-f", "image2pipe", "pipe:1",
    ],
  });
  const splitter = new JpegSplitter();
  const inFlight = new Set<Promise<void>>();
  // Frames split out of a chunk beyond the window wait here (a chunk can hold several small frames).
  const queue: [number, Buffer][] = [];
  let count = 0;
  let stored = 0;
  let writeError: unknown;
  const pump = () => {
    while (inFlight.size < window && queue.length > 0) {
      const [index, jpeg] = queue.shift()!;
      const write: Promise<void> = options.onFrame(index, jpeg).then(
        () => {
          inFlight.delete(write);
          stored++;
          // A failing progress callback (its database write) stops the run with its own error.
          Promise.resolve(progress.finish(stored)).catch((error) => ff.fail(error));
          pump();
        },
        (error) => {
          inFlight.delete(write);
          writeError ??= error;
          queue.length = 0;
          ff.fail(error);
          // Drain stdout (below): ffmpeg may have exited already, its last
          // frames unread behind a paused pipe, and no other call would come.
          pump();
        },
      );
      inFlight.add(write);
    }
    // After a failed write, stdout is drained and dropped: a paused pipe would
    // never reach its end, and the child's "close" (so ff.done) would never come.
    if (writeError !== undefined || (queue.length === 0 && inFlight.size < window)) ff.stdout.resume();
    else ff.stdout.pause();
  };
  ff.stdout.on("data", (chunk: Buffer) => {
    if (writeError !== undefined) return;
    try {
      for (const jpeg of splitter.push(chunk)) queue.push([count++, jpeg]);
    } catch (error) {
      ff.fail(new MediaError("ffmpeg_failed", `frame extraction produced unreadable output: ${(error as Error).message}`));
    }
    pump();
  });
  await ff.done;
  while (inFlight.size > 0) await Promise.all(inFlight);
  if (writeError !== undefined) throw writeError;
  if (splitter.pending > 0) throw new MediaError("ffmpeg_failed", `frame extraction ended in the middle of frame ${count}`);
  if (count === 0) throw new MediaError("ffmpeg_failed", "ffmpeg decoded no frames from the source");
  if (cap && count >= cap) {
    throw new MediaError("unsupported", `the video holds more frames than its header declares (${options.frameCountEstimate}); extraction stopped at ${cap}`);
  }
  return { frameCount: count };
}

/** The first audio track as AAC (160 kb/s) in a fragmented .m4a, streamed to sink (a fragmented MP4 needs no seek back). */
export async function extractAudioStream(options: { input: string; sink: (data: Readable) => Promise<void>; signal?: AbortSignal }): Promise<void> {
  const ff = runPipedFfmpeg({
    what: "audio extraction",
    signal: options.signal,
    args: [
      ...untrustedInputArgs(options.input),
      "-map", "0:a:0", "-vn", "-sn", "-dn",
      "-c:a", "aac", "-b:a", "160k",
      "-movflags", "empty_moov+default_base_moof", "-frag_duration", "10000000",
      "-f", "mp4", "pipe:1",
    ],
  });
  await streamTo(ff, options.sink);
}

/** The final MP4: its pictures' count and rate, the tracks beside them, where it goes. */
interface FinalMp4Options {
  frameCount: number;
  fpsNum: number;
  fpsDen: number;
  /** Audio input (a path or presigned URL of our own .m4a). */
  audio?: string | null;
  /** A local WebVTT file, muxed as a mov_text subtitle track. */
  captions?: string | null;
  /** Receives the MP4 as it is written. */
  sink: (data: Readable) => Promise<void>;
  signal?: AbortSignal;
}

export interface EncodeStreamOptions extends FinalMp4Options {
  /** Frame i's JPEG, or null when it is missing. */
  readFrame: (index: number) => Promise<Buffer | null>;
  onProgress?: ProgressCallback;
  prefetch?: number;
}

// The pictures' encoding, the same whether in one go or ahead of time.
function pictureCodecArgs(): string[] {
  return ["-vf", rangeFilters().forX264, "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p"];
}
// Fragmented (moov first, then fragments), so it can be written to a pipe and
// uploaded while it is encoded; browsers play and seek it like a +faststart file.
const STREAMED_MP4_ARGS = ["-movflags", "frag_keyframe+empty_moov+default_base_moof", "-f", "mp4", "pipe:1"];

/**
 * H.264/AAC MP4 at the source's exact frame rate from frames fed in order on
 * stdin (image2pipe), `prefetch` frames read ahead, uploaded while it is
 * encoded.
 */
export async function encodeFrameStream(options: EncodeStreamOptions): Promise<{ frameCount: number; durationSec: number }> {
  const { fpsNum, fpsDen, frameCount, signal } = options;
  const extra = await soundAndCaptionArgs(options);
  const progress = createProgressReporter({ totalEstimate: frameCount, onProgress: options.onProgress });
  const ffRef: { fail: (error: unknown) => void } = { fail: () => {} };
  const ff = runPipedFfmpeg({
    what: "encoding",
    signal,
    stdin: frameFeed(options.readFrame, frameCount, options.prefetch ?? ENCODE_PREFETCH),
    onFrames: (n) => Promise.resolve(progress.finish(n)).catch((error) => ffRef.fail(error)),
    args: [
      ...JPEG_DECODE_ARGS, "-f", "image2pipe", "-framerate", `${fpsNum}/${fpsDen}`, "-c:v", "mjpeg", "-i", "pipe:0", ...extra.inputs,
      "-map", "0:v:0", ...extra.maps,
      "-frames:v", String(frameCount), ...passthroughArgs(ffmpegPath()), ...pictureCodecArgs(), ...extra.codecs,
      ...STREAMED_MP4_ARGS,
    ],
  });
  ffRef.fail = ff.fail;
  const frames = await streamTo(ff, options.sink);
  if (frames !== frameCount) throw new MediaError("ffmpeg_failed", `encoding wrote ${frames} frames, expected ${frameCount}`);
  await progress.finish(frameCount, frameCount);
  return { frameCount, durationSec: extra.durationSec };
}

/**
 * The pictures alone, H.264 in a fragmented MP4 (the same encoding as
 * encodeFrameStream), from JPEG frames handed over in order as they become
 * ready: the early encode, which learns the frame count only at the end.
 * Waiting for frames is the caller's business, so ffmpeg is never stopped
 * for making no progress (the caller's own heartbeat tells a dead run).
 */
export async function encodePictureStream(options: {
  frames: AsyncIterable<Buffer>;
  fpsNum: number;
  fpsDen: number;
  sink: (data: Readable) => Promise<void>;
  signal?: AbortSignal;
}): Promise<{ frameCount: number }> {
  const { fpsNum, fpsDen } = options;
  checkTiming({ fpsNum, fpsDen });
  const ff = runPipedFfmpeg({
    what: "early encoding",
    signal: options.signal,
    stallSeconds: 0,
    stdin: options.frames,
    args: [...JPEG_DECODE_ARGS, "-f", "image2pipe", "-framerate", `${fpsNum}/${fpsDen}`, "-c:v", "mjpeg", "-i", "pipe:0", "-map", "0:v:0", ...passthroughArgs(ffmpegPath()), ...pictureCodecArgs(), ...STREAMED_MP4_ARGS],
  });
  return { frameCount: await streamTo(ff, options.sink) };
}

/**
 * The final MP4 from pictures encoded ahead (copied, not encoded again) plus
 * the audio and captions, as encodeFrameStream would have written it.
 */
export async function muxPictures(
  options: FinalMp4Options & {
    /** The early encode's MP4 (a path or presigned URL of our own file). */
    pictures: string;
  },
): Promise<{ frameCount: number; durationSec: number }> {
  const { frameCount } = options;
  const extra = await soundAndCaptionArgs(options);
  const ff = runPipedFfmpeg({
    what: "muxing",
    signal: options.signal,
    args: [...derivedInputArgs(options.pictures), ...extra.inputs, "-map", "0:v:0", ...extra.maps, "-c:v", "copy", ...extra.codecs, ...STREAMED_MP4_ARGS],
  });
  const frames = await streamTo(ff, options.sink);
  if (frames !== frameCount) throw new MediaError("ffmpeg_failed", `muxing wrote ${frames} frames, expected ${frameCount}`);
  return { frameCount, durationSec: extra.durationSec };
}

/** ffmpeg's stdout into the sink (a failed sink stops ffmpeg); resolves with the frames ffmpeg reported. */
async function streamTo(ff: PipedFfmpeg, sink: (data: Readable) => Promise<void>): Promise<number> {
  const [, { frames }] = await Promise.all([sink(ff.stdout).catch((error) => failSink(ff, error)), ff.done]);
  return frames;
}

function checkTiming(values: Record<string, number>): void {
  for (const [name, value] of Object.entries(values)) {
    if (!Number.isSafeInteger(value) || value <= 0) throw new TypeError(`encoding: ${name} must be a positive integer, got ${value}`);
  }
}

/**
 * The pictures' duration, and the inputs (from input 1 on: the pictures are
 * input 0), maps and codecs of the audio (cut at the pictures' end) and the
 * captions (mov_text).
 */
async function soundAndCaptionArgs(o: FinalMp4Options) {
  checkTiming({ fpsNum: o.fpsNum, fpsDen: o.fpsDen, frameCount: o.frameCount });
  const durationSec = (o.frameCount * o.fpsDen) / o.fpsNum;
  const inputs: string[] = [];
  const maps: string[] = [];
  const codecs: string[] = [];
  let next = 1;
  if (o.audio) {
    const copyAudio = (await readProbeJson(o.audio, { signal: o.signal })).streams.some((s) => s.codec_type === "audio" && s.codec_name === "aac");
    // Cut the audio at the video's end, so the file is as long as its pictures.
    inputs.push(...derivedInputArgs(o.audio, ["-t", durationSec.toFixed(6)]));
    maps.push("-map", `${next++}:a:0`);
    codecs.push(...(copyAudio ? ["-c:a", "copy"] : ["-c:a", "aac", "-b:a", "160k"]));
  }
  if (o.captions) {
    inputs.push(...derivedInputArgs(o.captions, ["-f", "webvtt"]));
    maps.push("-map", `${next++}:s:0`);
    codecs.push("-c:s", "mov_text", "-metadata:s:s:0", "language=und");
  }
  return { durationSec, inputs, maps, codecs };
}

/** Frames 0..count-1 in order, with up to `window` reads in flight ahead of the one being written. */
async function* frameFeed(readFrame: (index: number) => Promise<Buffer | null>, count: number, window: number): AsyncGenerator<Buffer> {
  const ahead: Promise<Buffer | null>[] = [];
  let next = 0;
  const fetch = () => {
    const read = readFrame(next++);
    read.catch(() => {}); // awaited in order below; a later failure must not go unhandled meanwhile
    ahead.push(read);
  };
  while (next < count && ahead.length < window) fetch();
  for (let i = 0; i < count; i++) {
    const data = await ahead.shift()!;
    if (next < count) fetch();
    if (!data) throw new MediaError("frames_missing", `cannot encode: frame ${i} of ${count} is missing from storage`);
    yield data;
  }
}

/** A sink that failed stops ffmpeg; what is left in the pipe is dropped, or the child's "close" would never come. */
function failSink(ff: { stdout: Readable; fail(error: unknown): void }, error: unknown): void {
  ff.fail(error);
  ff.stdout.resume();
}
