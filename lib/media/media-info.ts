import { z } from "zod";
import { MediaError } from "./errors";
import { isAcceptedContainer } from "./untrusted-input";

// What the pipeline needs to know about an upload, read from ffprobe's JSON
// (pure: no I/O; probe.ts runs ffprobe). Refusals are MediaErrors with the
// codes of an input error, worded for the operator.

export interface MediaInfo {
  durationSec: number;
  /** Frame rate as an exact fraction (30/1, 30000/1001); encode uses it as is. */
  fpsNum: number;
  fpsDen: number;
  fps: number;
  /** Size of the frames ffmpeg extracts: coded size, swapped when rotation is 90 or 270. */
  width: number;
  height: number;
  /** nb_frames when the container states it, else duration * fps: for progress, not for counting. */
  frameCountEstimate: number;
  videoCodec: string;
  audioCodec: string | null;
  hasAudio: boolean;
  /** Degrees clockwise the player turns the picture (90, 180, 270); absent when upright. ffmpeg applies it on extraction. */
  rotation?: number;
  /** ffprobe's format_name, e.g. "mov,mp4,m4a,3gp,3g2,mj2". */
  container: string;
  bitRate?: number;
  raw: ProbeSummary;
}

/** The part of ffprobe's answer worth storing with the video (JSON-safe, small). */
export interface ProbeSummary {
  formatName: string;
  formatLongName?: string;
  sizeBytes?: number;
  startTime?: number;
  streamCount: number;
  video: {
    index: number;
    codec: string;
    profile?: string;
    pixFmt?: string;
    codedWidth?: number;
    codedHeight?: number;
    sampleAspectRatio?: string;
    fieldOrder?: string;
    rFrameRate?: string;
    avgFrameRate?: string;
    timeBase?: string;
    nbFrames?: number;
    durationSec?: number;
  };
  audio: { index: number; codec: string; sampleRate?: number; channels?: number; channelLayout?: string } | null;
}

// ffprobe prints most numbers as strings, and "N/A" when unknown.
const num = z
  .union([z.number(), z.string()])
  .optional()
  .transform((v) => {
    const n = typeof v === "string" ? Number(v) : v;
    return n !== undefined && Number.isFinite(n) ? n : undefined;
  });
const str = z.string().optional();

const streamSchema = z.object({
  index: z.number(),
  codec_type: str,
  codec_name: str,
  profile: str,
  width: num,
  height: num,
  coded_width: num,
  coded_height: num,
  pix_fmt: str,
  sample_aspect_ratio: str,
  field_order: str,
  r_frame_rate: str,
  avg_frame_rate: str,
  time_base: str,
  duration: num,
  nb_frames: num,
  sample_rate: num,
  channels: num,
  channel_layout: str,
  disposition: z.record(z.string(), z.unknown()).optional(),
  tags: z.record(z.string(), z.unknown()).optional(),
  side_data_list: z.array(z.object({ side_data_type: str, rotation: num })).optional(),
});

export const ffprobeOutputSchema = z.object({
  streams: z.array(streamSchema).default([]),
  format: z.object({
    format_name: z.string(),
    format_long_name: str,
    duration: num,
    size: num,
    bit_rate: num,
    start_time: num,
  }),
});

export type FfprobeOutput = z.infer<typeof ffprobeOutputSchema>;
type FfprobeStream = FfprobeOutput["streams"][number];

const MAX_FPS = 1000;
const MAX_DIMENSION = 16384;

/** The MediaInfo for ffprobe's answer, or why the pipeline must refuse the file. Pure. */
export function describeMedia(probe: FfprobeOutput, name = "the file"): MediaInfo {
  const { format, streams } = probe;
  if (!isAcceptedContainer(format.format_name)) {
    throw new MediaError(
      "unsupported",
      `${name} is a ${format.format_long_name ?? format.format_name} file; upload a video file such as MP4, MOV, MKV or WebM`,
    );
  }
  const audio = streams.find((s) => s.codec_type === "audio") ?? null;
  // Cover art (an mp3's album picture) is a "video" stream of one image.
  const video = streams.find((s) => s.codec_type === "video" && !isStillImage(s));
  if (!video) {
    throw new MediaError(
      "no_video_stream",
      audio ? `${name} contains only audio; there are no video frames to enhance` : `${name} contains no video stream`,
    );
  }
  if (!video.codec_name) throw new MediaError("unsupported", `${name} uses a video codec this ffmpeg cannot decode`);

  const rotation = rotationOf(video);
  const codedWidth = video.width ?? 0;
  const codedHeight = video.height ?? 0;
  if (codedWidth <= 0 || codedHeight <= 0) {
    throw new MediaError("unsupported", `${name} has a video stream without a picture size (${codedWidth}x${codedHeight})`);
  }
  if (codedWidth > MAX_DIMENSION || codedHeight > MAX_DIMENSION) {
    throw new MediaError("unsupported", `${name} is ${codedWidth}x${codedHeight}; the largest supported side is ${MAX_DIMENSION}`);
  }
  const fps = frameRateOf(video);
  if (!fps) {
    throw new MediaError(
      "unsupported",
      `${name} has no usable frame rate (r_frame_rate ${video.r_frame_rate ?? "?"}, avg_frame_rate ${video.avg_frame_rate ?? "?"})`,
    );
  }
  const fpsValue = fps.num / fps.den;
  const nbFrames = video.nb_frames && video.nb_frames > 0 ? Math.round(video.nb_frames) : undefined;
  const durationSec = positive(format.duration) ?? positive(video.duration) ?? (nbFrames ? nbFrames / fpsValue : undefined);
  if (!durationSec) throw new MediaError("unsupported", `${name} has no known duration`);
  const videoDuration = positive(video.duration) ?? durationSec;
  const swap = rotation === 90 || rotation === 270;

  const info: MediaInfo = {
    durationSec,
    fpsNum: fps.num,
    fpsDen: fps.den,
    fps: fpsValue,
    width: swap ? codedHeight : codedWidth,
    height: swap ? codedWidth : codedHeight,
    frameCountEstimate: nbFrames ?? Math.max(1, Math.round(videoDuration * fpsValue)),
    videoCodec: video.codec_name,
    audioCodec: audio?.codec_name ?? null,
    hasAudio: audio !== null,
    container: format.format_name,
    raw: {
      formatName: format.format_name,
      formatLongName: format.format_long_name,
      sizeBytes: format.size,
      startTime: format.start_time,
      streamCount: streams.length,
      video: {
        index: video.index,
        codec: video.codec_name,
        profile: video.profile,
        pixFmt: video.pix_fmt,
        codedWidth: video.coded_width,
        codedHeight: video.coded_height,
        sampleAspectRatio: video.sample_aspect_ratio,
        fieldOrder: video.field_order,
        rFrameRate: video.r_frame_rate,
        avgFrameRate: video.avg_frame_rate,
        timeBase: video.time_base,
        nbFrames,
        durationSec: positive(video.duration),
      },
      audio: audio
        ? {
            index: audio.index,
            codec: audio.codec_name ?? "unknown",
            sampleRate: audio.sample_rate,
            channels: audio.channels,
            channelLayout: audio.channel_layout,
          }
        : null,
    },
  };
  if (rotation) info.rotation = rotation;
  if (format.bit_rate && format.bit_rate > 0) info.bitRate = Math.round(format.bit_rate);
  return stripUndefined(info);
}

function isStillImage(stream: FfprobeStream): boolean {
  const d = stream.disposition ?? {};
  return d.attached_pic === 1 || d.timed_thumbnails === 1;
}

/**
 * avg_frame_rate (frames / duration) keeps the encoded duration equal to the
 * source's, so audio stays in sync; r_frame_rate is the cleaner fraction
 * (30000/1001 rather than 2997/100), so it wins when the two agree within
 * 0.5%. r_frame_rate alone can be a timebase artefact (90000/1).
 */
export function frameRateOf(stream: Pick<FfprobeStream, "r_frame_rate" | "avg_frame_rate">): { num: number; den: number } | null {
  const avg = parseRational(stream.avg_frame_rate);
  const r = parseRational(stream.r_frame_rate);
  let chosen = avg ?? r;
  if (avg && r && Math.abs(r.num / r.den - avg.num / avg.den) <= 0.005 * (avg.num / avg.den)) chosen = r;
  if (!chosen) return null;
  const value = chosen.num / chosen.den;
  return value > 0 && value <= MAX_FPS ? chosen : null;
}

export function parseRational(text: string | undefined): { num: number; den: number } | null {
  const match = /^(\d+)\/(\d+)$/.exec(text?.trim() ?? "");
  if (!match) return null;
  const num = Number(match[1]);
  const den = Number(match[2]);
  if (!Number.isSafeInteger(num) || !Number.isSafeInteger(den) || num <= 0 || den <= 0) return null;
  const g = gcd(num, den);
  return { num: num / g, den: den / g };
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

function rotationOf(stream: FfprobeStream): number | undefined {
  // Newer ffprobe reports a display matrix (counter-clockwise degrees); older
  // builds a "rotate" tag (clockwise). Both end up as clockwise 0/90/180/270.
  const matrix = stream.side_data_list?.find((d) => d.rotation !== undefined)?.rotation;
  const tag = Number(stream.tags?.rotate);
  const clockwise = matrix !== undefined ? -matrix : Number.isFinite(tag) ? tag : 0;
  const normalised = (((Math.round(clockwise / 90) * 90) % 360) + 360) % 360;
  return normalised || undefined;
}

function positive(n: number | undefined): number | undefined {
  return n !== undefined && n > 0 ? n : undefined;
}

function stripUndefined<T>(value: T): T {
  // Stored as JSON: keep it free of `undefined` keys so equality checks and
  // snapshots see the same object that comes back from the database.
  return JSON.parse(JSON.stringify(value)) as T;
}

