import { randomUUID } from "node:crypto";
import { mkdir, readdir, rename, rm, unlink } from "node:fs/promises";
import path from "node:path";
import { env } from "@/lib/env";
import { FRAME_PATTERN } from "@/lib/storage/paths";
import { ffmpegFeatures, ffmpegPath, passthroughArgs } from "./binaries";
import { MediaError } from "./errors";
import { describeMedia } from "./media-info";
import { readProbeJson } from "./probe";
import { createProgressReporter, type ProgressCallback, type ProgressReporter } from "./progress";
import { lastLine, runTool } from "./run-tool";
import { extractionFrameCap, fileUrl, untrustedInputArgs } from "./untrusted-input";

// The three ffmpeg runs of the pipeline: source -> frames, source -> audio,
// frames (+ audio, captions) -> MP4. Frame files are 0-based %06d.jpg, the
// same names lib/storage/paths.ts gives them.

const FRAME_FILE = /^(\d{6,})\.jpg$/;

export interface ExtractFramesOptions {
  source: string;
  framesDir: string;
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
  /** MediaInfo.frameCountEstimate when the caller has probed already; else the source is probed. */
  frameCountEstimate?: number;
  /** Kill ffmpeg after this long without progress (default FFMPEG_STALL_SECONDS). */
  stallSeconds?: number;
}

/**
 * Every decoded frame of the source's first real video stream as a JPEG, one
 * file per frame (no frame-rate conversion: passthrough). Frame files left in
 * framesDir by an earlier, interrupted run are deleted first, so the count
 * is the count of this run. Rotation is applied, as a player would.
 */
export async function extractFrames(options: ExtractFramesOptions): Promise<{ frameCount: number }> {
  const { source, framesDir, signal } = options;
  await mkdir(framesDir, { recursive: true });
  for (const name of await listFrameFiles(framesDir)) await unlink(path.join(framesDir, name));
  const totalEstimate =
    options.frameCountEstimate ?? (options.onProgress ? await estimateFrames(source, signal) : 0);
  const progress = createProgressReporter({ totalEstimate, onProgress: options.onProgress });
  const binary = ffmpegPath();
  // Never more frames than the probe said, give or take (a lying header cannot run away).
  const cap = options.frameCountEstimate ? extractionFrameCap(options.frameCountEstimate) : undefined;

  const args = [
    ...untrustedInputArgs(source),
    // 0:V is video that is not cover art or a thumbnail (as in media-info.ts).
    "-map", "0:V:0",
    ...passthroughArgs(binary),
    // Frames are numbered as the decoder hands them out, as a player shows
    // them; the source's own timestamps are dropped. Recordings joined end
    // to end (timestamps that jump back or repeat) otherwise stop the JPEG
    // encoder at the first repeat ("Invalid pts ... <= last").
    "-vf", "settb=1/1000,setpts=N",
    "-enc_time_base", "1:1000",
    "-q:v", "2",
    ...(cap ? ["-frames:v", String(cap)] : []),
    "-start_number", "0",
    "-f", "image2",
    framePattern(framesDir),
  ];
  await runFfmpeg("frame extraction", binary, args, { signal, progress, stallSeconds: options.stallSeconds });

  const names = await listFrameFiles(framesDir);
  const frameCount = names.length;
  if (frameCount === 0) throw new MediaError("ffmpeg_failed", `ffmpeg decoded no frames from ${path.basename(source)}`);
  if (cap && frameCount >= cap) {
    throw new MediaError("unsupported", `${path.basename(source)} holds more frames than its header declares (${options.frameCountEstimate}); extraction stopped at ${cap}`);
  }
  // A loop, not Math.max(...): an hour of video is more arguments than V8 allows.
  let highest = -1;
  for (const name of names) highest = Math.max(highest, Number(FRAME_FILE.exec(name)![1]));
  if (highest !== frameCount - 1) {
    throw new MediaError("ffmpeg_failed", `frame files are not contiguous: ${frameCount} files, highest index ${highest}`);
  }
  await progress.finish(frameCount, frameCount);
  return { frameCount };
}

export interface ExtractAudioOptions {
  source: string;
  /** An .m4a path; written through a temp file, so it is complete or absent. */
  output: string;
  signal?: AbortSignal;
}

/** The first audio track as AAC (160 kb/s) in an .m4a; false when the source has no audio. */
export async function extractAudio(options: ExtractAudioOptions): Promise<boolean> {
  const { source, output, signal } = options;
  const probe = await readProbeJson(source, { signal });
  if (!probe.streams.some((s) => s.codec_type === "audio")) return false;
  await writeAtomically(output, (temp) =>
    runFfmpeg(
      "audio extraction",
      ffmpegPath(),
      [
        ...untrustedInputArgs(source),
        "-map", "0:a:0",
        "-vn", "-sn", "-dn",
        "-c:a", "aac", "-b:a", "160k",
        "-movflags", "+faststart",
        "-f", "mp4",
        temp,
      ],
      { signal },
    ),
  );
  return true;
}

export interface EncodeVideoOptions {
  framesDir: string;
  fpsNum: number;
  fpsDen: number;
  /** Frames 0 .. frameCount-1 must all exist; the output has exactly this many. */
  frameCount: number;
  audio?: string | null;
  /** A WebVTT file, muxed as a mov_text subtitle track. */
  captions?: string | null;
  /** An .mp4 path; written through a temp file, so it is complete or absent. */
  output: string;
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
}

/** H.264/AAC MP4 from the frames at the source's exact frame rate. */
export async function encodeVideo(options: EncodeVideoOptions): Promise<{ frameCount: number; durationSec: number }> {
  const { framesDir, fpsNum, fpsDen, frameCount, signal } = options;
  for (const [name, value] of Object.entries({ fpsNum, fpsDen, frameCount })) {
    if (!Number.isSafeInteger(value) || value <= 0) throw new TypeError(`encodeVideo: ${name} must be a positive integer, got ${value}`);
  }
  await assertFramesPresent(framesDir, frameCount);
  const durationSec = (frameCount * fpsDen) / fpsNum;
  const binary = ffmpegPath();
  const audio = options.audio ?? null;
  const captions = options.captions ?? null;
  // Our own extracted audio is AAC already: copy it rather than lose a generation.
  const copyAudio = audio ? (await readProbeJson(audio, { signal })).streams.some((s) => s.codec_type === "audio" && s.codec_name === "aac") : false;

  const inputs = [
    "-protocol_whitelist", "file",
    "-framerate", `${fpsNum}/${fpsDen}`,
    "-start_number", "0",
    "-f", "image2",
    "-i", `file:${framePattern(framesDir)}`,
  ];
  const maps = ["-map", "0:v:0"];
  const codecs = [
    "-frames:v", String(frameCount),
    ...passthroughArgs(binary),
    // libx264 with 4:2:0 chroma needs even dimensions; drop the odd row/column.
    "-vf", "scale=trunc(iw/2)*2:trunc(ih/2)*2",
    "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p",
  ];
  let nextInput = 1;
  if (audio) {
    // Cut the audio at the video's end, so the file is as long as its pictures.
    inputs.push("-protocol_whitelist", "file", "-t", durationSec.toFixed(6), "-i", fileUrl(audio));
    maps.push("-map", `${nextInput++}:a:0`);
    codecs.push(...(copyAudio ? ["-c:a", "copy"] : ["-c:a", "aac", "-b:a", "160k"]));
  }
  if (captions) {
    inputs.push("-protocol_whitelist", "file", "-f", "webvtt", "-i", fileUrl(captions));
    maps.push("-map", `${nextInput++}:s:0`);
    codecs.push("-c:s", "mov_text", "-metadata:s:s:0", "language=und");
  }
  const progress = createProgressReporter({ totalEstimate: frameCount, onProgress: options.onProgress });

  await writeAtomically(options.output, async (temp) => {
    await runFfmpeg("encoding", binary, [...inputs, ...maps, ...codecs, "-movflags", "+faststart", "-f", "mp4", temp], {
      signal,
      progress,
    });
    if (progress.frames !== frameCount) {
      throw new MediaError("ffmpeg_failed", `encoding wrote ${progress.frames} frames, expected ${frameCount}`);
    }
  });
  await progress.finish(frameCount, frameCount);
  return { frameCount, durationSec };
}

async function runFfmpeg(
  what: string,
  binary: string,
  args: string[],
  options: { signal?: AbortSignal; progress?: ProgressReporter; stallSeconds?: number | undefined },
): Promise<void> {
  const { progress } = options;
  // Progress is always reported, even when no one shows it: it is how a
  // stalled ffmpeg is told from a slow one.
  const progressArgs = ["-progress", "pipe:1", "-nostats", ...(ffmpegFeatures(binary).statsPeriod ? ["-stats_period", "0.25"] : [])];
  const stallSeconds = options.stallSeconds ?? env().FFMPEG_STALL_SECONDS;
  const outcome = await runTool({
    command: binary,
    args: ["-hide_banner", "-nostdin", "-v", "error", "-y", ...progressArgs, ...args],
    signal: options.signal,
    onStdoutLine: (line) => progress?.line(line),
    isProgress: progressMade(),
    ...(stallSeconds > 0 ? { stallMs: stallSeconds * 1000 } : {}),
    dieWithParent: true,
  });
  const detail = outcome.stderrTail.trim() || undefined;
  switch (outcome.kind) {
    case "exited":
      if (outcome.exitCode === 0) return;
      if (outcome.exitSignal) throw new MediaError("ffmpeg_killed", `ffmpeg ${what} was killed by ${outcome.exitSignal}`, { detail });
      throw new MediaError(
        "ffmpeg_failed",
        `ffmpeg ${what} failed: ${lastLine(outcome.stderrTail) || (outcome.exitSignal ? `killed by ${outcome.exitSignal}` : `exit code ${outcome.exitCode}`)}`,
        { detail },
      );
    case "aborted":
      throw new MediaError("aborted", `ffmpeg ${what} was canceled`, { cause: outcome.error, detail });
    case "stalled":
      throw new MediaError("ffmpeg_stalled", `ffmpeg ${what} made no progress for ${stallSeconds} s and was stopped`, { detail });
    case "callback_failed":
      // The caller's progress callback failed (a database write, say): its error, not ours.
      throw outcome.error;
    default:
      throw new MediaError("ffmpeg_failed", `ffmpeg ${what} failed: ${outcome.kind.replace("_", " ")} (${describe(outcome.error)})`, {
        detail,
        cause: outcome.error,
      });
  }
}

/**
 * A progress line that moved: ffmpeg repeats its progress block every
 * stats_period even when stuck, so only a changed frame count, output time
 * or output size counts as progress.
 */
function progressMade(): (line: string) => boolean {
  const last = new Map<string, string>();
  return (line) => {
    const eq = line.indexOf("=");
    const key = eq > 0 ? line.slice(0, eq) : "";
    if (key !== "frame" && key !== "out_time_us" && key !== "total_size") return false;
    const value = line.slice(eq + 1);
    if (last.get(key) === value) return false;
    last.set(key, value);
    return true;
  };
}

/** Run `write(temp)` and rename temp to `output` only if it succeeds: readers never see half a file. */
async function writeAtomically(output: string, write: (temp: string) => Promise<void>): Promise<void> {
  const dir = path.dirname(path.resolve(output));
  await mkdir(dir, { recursive: true });
  const temp = path.join(dir, `.${path.basename(output)}.${randomUUID().slice(0, 8)}.tmp`);
  try {
    await write(temp);
    await rename(temp, path.resolve(output));
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

async function listFrameFiles(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((n) => FRAME_FILE.test(n));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

async function assertFramesPresent(framesDir: string, frameCount: number): Promise<void> {
  const present = new Set((await listFrameFiles(framesDir)).map((n) => Number(FRAME_FILE.exec(n)![1])));
  const missing: number[] = [];
  for (let i = 0; i < frameCount; i++) if (!present.has(i)) missing.push(i);
  if (missing.length > 0) {
    const shown = missing.slice(0, 10).join(", ") + (missing.length > 10 ? ", ..." : "");
    throw new MediaError("frames_missing", `cannot encode: ${missing.length} of ${frameCount} frames are missing (${shown})`);
  }
}

async function estimateFrames(source: string, signal?: AbortSignal): Promise<number> {
  const probe = await readProbeJson(source, { signal });
  try {
    return describeMedia(probe).frameCountEstimate;
  } catch {
    return 0; // let ffmpeg say what is wrong with the file
  }
}

/** Absolute image2 pattern; a "%" in the directory name must not be read as part of the pattern. */
function framePattern(framesDir: string): string {
  return path.join(path.resolve(framesDir).replaceAll("%", "%%"), FRAME_PATTERN);
}

function describe(error: unknown): string {
  if (error instanceof Error) return (error as NodeJS.ErrnoException).code ?? error.message;
  return error === undefined ? "no detail" : String(error);
}
