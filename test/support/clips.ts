import { execFile } from "node:child_process";
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { ffmpegPath, ffprobePath } from "@/lib/media/binaries";

// Small media files for tests, generated with ffmpeg's lavfi sources
// (testsrc2 pictures, a sine tone): no fixtures in the repository, and each
// takes well under a second. They use the same ffmpeg the pipeline uses.

const run = promisify(execFile);

async function ffmpeg(args: string[]): Promise<void> {
  try {
    await run(ffmpegPath(), ["-hide_banner", "-nostdin", "-v", "error", "-y", ...args], { maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? "";
    throw new Error(`ffmpeg ${args.join(" ")} failed: ${stderr.trim().slice(-2000)}`, { cause: error });
  }
}

export interface ClipOptions {
  path: string;
  seconds?: number;
  width?: number;
  height?: number;
  /** A number or an exact fraction such as "30000/1001". */
  fps?: number | string;
  audio?: boolean;
  /** Make the first N seconds black (e.g. to test that a poster frame is not black). */
  blackFirstSeconds?: number;
  /**
   * Store a display rotation in the container, as phones do (ffmpeg's `rotate`
   * tag; which way it turns depends on the ffmpeg build, 90/270 make it portrait).
   */
  rotate?: 90 | 180 | 270;
}

/**
 * An H.264 (+ AAC) MP4: `seconds * fps` frames of a moving test pattern with
 * a frame counter, and a 440 Hz tone. Odd sizes are allowed (stored as 4:4:4).
 */
export async function makeClip(options: ClipOptions): Promise<string> {
  const { seconds = 2, width = 320, height = 240, fps = 30, audio = true, blackFirstSeconds = 0 } = options;
  const file = path.resolve(options.path);
  await mkdir(path.dirname(file), { recursive: true });
  // testsrc2 only draws even sizes: draw the next even size and scale down.
  const drawSize = `${width + (width % 2)}x${height + (height % 2)}`;
  const odd = width % 2 === 1 || height % 2 === 1;
  const black = Math.min(Math.max(blackFirstSeconds, 0), seconds);
  let graph =
    black > 0
      ? `color=c=black:s=${drawSize}:r=${fps}:d=${black}[b];testsrc2=s=${drawSize}:r=${fps}:d=${seconds - black}[t];[b][t]concat=n=2:v=1:a=0`
      : `testsrc2=s=${drawSize}:r=${fps}:d=${seconds}`;
  if (black >= seconds) graph = `color=c=black:s=${drawSize}:r=${fps}:d=${seconds}`;
  graph += odd ? `,scale=${width}:${height},setsar=1[v]` : "[v]";

  const target = options.rotate ? `${file}.unrotated.mp4` : file;
  await ffmpeg([
    "-filter_complex",
    graph,
    ...(audio ? ["-f", "lavfi", "-i", `sine=frequency=440:sample_rate=48000:duration=${seconds}`] : []),
    "-map",
    "[v]",
    ...(audio ? ["-map", "0:a", "-c:a", "aac", "-b:a", "64k"] : []),
    "-c:v",
    "libx264",
    "-preset",
    "ultrafast",
    "-pix_fmt",
    odd ? "yuv444p" : "yuv420p",
    "-f",
    "mp4",
    target,
  ]);
  if (options.rotate) {
    await ffmpeg(["-i", target, "-map", "0", "-c", "copy", "-metadata:s:v:0", `rotate=${options.rotate}`, "-f", "mp4", file]);
    await rm(target, { force: true });
  }
  return file;
}

/** Real speech: two LibriVox sentences of Debian's pocketsphinx-testdata (apt), 2 s apart, muxed under a generated picture as an upload would be. */
export const LIBRIVOX = "/usr/share/pocketsphinx/test/data/librivox";
// "and mister john dashwood had then leisure to consider how much there might be prudently in his power to do for them" (7.1 s)
export const SPEECH_FIRST = path.join(LIBRIVOX, "sense_and_sensibility_01_austen_64kb-0870.wav");
// "unless to be rather cold hearted and rather selfish is to be ill disposed" (5.3 s)
export const SPEECH_SECOND = path.join(LIBRIVOX, "sense_and_sensibility_01_austen_64kb-0890.wav");
export const SPEECH_GAP_SEC = 2;

export async function makeSpeechClip(file: string): Promise<string> {
  const target = path.resolve(file);
  await mkdir(path.dirname(target), { recursive: true });
  await ffmpeg([
    "-f", "lavfi", "-i", "testsrc2=s=160x90:r=10",
    "-i", SPEECH_FIRST,
    "-i", SPEECH_SECOND,
    "-filter_complex", `anullsrc=r=16000:cl=mono,atrim=duration=${SPEECH_GAP_SEC}[gap];[1:a][gap][2:a]concat=n=3:v=0:a=1[a]`,
    "-map", "0:v", "-map", "[a]", "-shortest",
    "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-b:a", "64k",
    target,
  ]);
  return target;
}

/**
 * Two 2-second recordings joined end to end, as a camera or a careless
 * concatenation leaves them: from frame 60 on, the video timestamps jump back
 * and then repeat (an MP4 muxer writes them "fixed" as 1-tick steps, a
 * Matroska file keeps the repeats). 120 frames, with a tone.
 */
export async function makeOddTimestampClip(file: string, container: "mp4" | "mkv" = "mkv"): Promise<string> {
  const target = path.resolve(file);
  await mkdir(path.dirname(target), { recursive: true });
  await ffmpeg([
    "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30:duration=4",
    "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=4",
    "-c:v", "libx264", "-preset", "ultrafast", "-bf", "0", "-pix_fmt", "yuv420p",
    "-c:a", "aac", "-b:a", "64k",
    "-bsf:v", "setts=ts='if(gte(N,60),PTS-2048,PTS)'",
    "-f", container === "mkv" ? "matroska" : "mp4",
    target,
  ]);
  return target;
}

/**
 * Audio without video: an .mp3 (optionally with album cover art, which
 * ffprobe lists as a video stream) or an .m4a, chosen by the extension.
 */
export async function makeAudioOnly(file: string, options: { seconds?: number; coverArt?: boolean } = {}): Promise<string> {
  const { seconds = 2, coverArt = false } = options;
  const target = path.resolve(file);
  await mkdir(path.dirname(target), { recursive: true });
  const mp3 = path.extname(target).toLowerCase() === ".mp3";
  if (coverArt && !mp3) throw new Error("makeAudioOnly: coverArt needs an .mp3 path");
  await ffmpeg([
    "-f",
    "lavfi",
    "-i",
    `sine=frequency=440:sample_rate=44100:duration=${seconds}`,
    ...(coverArt ? ["-f", "lavfi", "-i", "color=c=red:s=64x64:d=1", "-map", "0:a", "-map", "1:v", "-frames:v", "1"] : []),
    ...(coverArt ? ["-c:v", "mjpeg", "-disposition:v:0", "attached_pic", "-id3v2_version", "3"] : []),
    ...(mp3 ? ["-c:a", "libmp3lame", "-b:a", "64k", "-f", "mp3"] : ["-c:a", "aac", "-b:a", "64k", "-f", "mp4"]),
    target,
  ]);
  return target;
}

/** A text file, e.g. named .mp4 to test that the name does not fool the probe. */
export async function makeTextFile(file: string, text = "This is not a video.\n"): Promise<string> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await writeFile(file, text);
  return path.resolve(file);
}

export async function makeEmpty(file: string): Promise<string> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await writeFile(file, "");
  return path.resolve(file);
}

/** `count` JPEG frames 000000.jpg ... in `dir` (a test pattern), as extraction or an enhancer would leave them. */
export async function makeFrames(options: { dir: string; count: number; width?: number; height?: number }): Promise<string> {
  const { count, width = 320, height = 240 } = options;
  const dir = path.resolve(options.dir);
  await mkdir(dir, { recursive: true });
  const drawSize = `${width + (width % 2)}x${height + (height % 2)}`;
  await ffmpeg([
    "-f",
    "lavfi",
    "-i",
    `testsrc2=s=${drawSize}:r=30,scale=${width}:${height},setsar=1`,
    "-frames:v",
    String(count),
    "-q:v",
    "2",
    "-start_number",
    "0",
    "-f",
    "image2",
    path.join(dir, "%06d.jpg"),
  ]);
  return dir;
}

export interface FileInspection {
  durationSec: number;
  video: { codec: string; width: number; height: number; frames: number; fps: string } | null;
  audio: { codec: string } | null;
  subtitle: { codec: string } | null;
}

/** What a test should assert about an output, measured independently of lib/media (packets counted, not trusted from headers). */
export async function inspectFile(file: string): Promise<FileInspection> {
  const { stdout } = await run(
    ffprobePath(),
    ["-v", "error", "-count_packets", "-print_format", "json", "-show_format", "-show_streams", file],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  type S = { codec_type?: string; codec_name?: string; width?: number; height?: number; nb_read_packets?: string; avg_frame_rate?: string; disposition?: { attached_pic?: number } };
  const json = JSON.parse(stdout) as { streams: S[]; format: { duration?: string } };
  const v = json.streams.find((s) => s.codec_type === "video" && s.disposition?.attached_pic !== 1);
  const a = json.streams.find((s) => s.codec_type === "audio");
  const t = json.streams.find((s) => s.codec_type === "subtitle");
  return {
    durationSec: Number(json.format.duration ?? 0),
    video: v
      ? { codec: v.codec_name ?? "", width: v.width ?? 0, height: v.height ?? 0, frames: Number(v.nb_read_packets ?? 0), fps: v.avg_frame_rate ?? "" }
      : null,
    audio: a ? { codec: a.codec_name ?? "" } : null,
    subtitle: t ? { codec: t.codec_name ?? "" } : null,
  };
}
