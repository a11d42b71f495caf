import path from "node:path";
import { MediaError } from "./errors";

// How ffmpeg and ffprobe open an upload. Uploads are hostile until proven
// otherwise, and ffmpeg's demuxers can follow references: an HLS playlist or
// an ffconcat file names other files or URLs to read. So, for every tool run
// on an upload:
// - `-protocol_whitelist file`: no http, tcp, data, concat, subfile ... URLs;
// - the container must be one we accept (probe refuses others by name, and
//   ffmpeg gets `-format_whitelist` so a file cannot be re-detected as a
//   playlist later);
// - the path is absolute and prefixed `file:`, so a name that starts with "-"
//   or contains "proto:" is never read as an option or a protocol.
// (`-nostdin` and a closed stdin are added by the callers / run-tool.ts.)

/**
 * Demuxers an upload may use, by ffmpeg short name. Video containers people
 * upload, plus the audio-only ones, so that an audio file is refused as
 * "no video stream" with a clear message instead of "unreadable".
 */
export const ACCEPTED_DEMUXERS = [
  "mov", // mp4, m4v, mov, 3gp, m4a
  "matroska", // mkv, webm
  "avi",
  "mpegts",
  "mpeg",
  "flv",
  "asf", // wmv
  "mxf",
  "ogg",
  "dv",
  "mp3",
  "wav",
  "flac",
  "aac",
] as const;

/** ffprobe's format_name lists aliases ("mov,mp4,m4a,3gp,3g2,mj2"); any match accepts. */
export function isAcceptedContainer(formatName: string): boolean {
  const accepted: readonly string[] = ACCEPTED_DEMUXERS;
  return formatName.split(",").some((name) => accepted.includes(name.trim()));
}

export function fileUrl(file: string): string {
  return isRemoteInput(file) ? file : `file:${path.resolve(file)}`;
}

/**
 * With STORAGE=s3 a worker reads media through a short-lived presigned URL
 * (lib/storage/s3-storage.ts mediaInput): ffmpeg seeks in it with Range
 * requests instead of copying the file to local disk. Such an input gets the
 * network protocols it needs, and nothing else; the demuxer allow-list still
 * applies, so an upload cannot turn into a playlist that fetches other URLs.
 */
export function isRemoteInput(input: string): boolean {
  return /^https?:\/\//i.test(input);
}

function protocolsFor(input: string): string {
  return isRemoteInput(input) ? "https,http,tls,tcp,crypto" : "file";
}

/** The name to show for an input: the file's name, or the object's name without the presigned query. */
export function mediaName(input: string): string {
  return path.basename(isRemoteInput(input) ? new URL(input).pathname : input);
}

/** Input options and `-i` for one of our own derived files (audio, captions): a path or a presigned URL. */
export function derivedInputArgs(input: string, extra: string[] = []): string[] {
  return ["-protocol_whitelist", protocolsFor(input), ...extra, "-i", fileUrl(input)];
}

/** Input options and `-i` for an uploaded file (`inputOptions`: more options for this input, such as -threads). */
export function untrustedInputArgs(file: string, options: { checkFormat?: boolean; inputOptions?: string[] } = {}): string[] {
  return [
    "-protocol_whitelist",
    protocolsFor(file),
    ...(options.checkFormat === false ? [] : ["-format_whitelist", ACCEPTED_DEMUXERS.join(",")]),
    ...(options.inputOptions ?? []),
    "-i",
    fileUrl(file),
  ];
}

// Decompression bombs: a few KB of video can declare thousands of huge
// frames (600 black 2048x2048 frames fit in 23 KB and expand ~636x on disk).
// So an upload is refused at probe when frames x width x height exceeds the
// budget (MAX_VIDEO_PIXELS), and extraction stops a little past the frame
// count the probe read, so a header that lies about it cannot run away.

/** Refuses a video whose frames x width x height is over `maxPixels`. */
export function checkPixelBudget(info: { width: number; height: number; frameCountEstimate: number }, maxPixels: number, name: string): void {
  const pixels = info.width * info.height * info.frameCountEstimate;
  if (pixels <= maxPixels) return;
  throw new MediaError(
    "over_pixel_budget",
    `${name} is too large to process: ${info.frameCountEstimate.toLocaleString("en")} frames of ${info.width}x${info.height} is ` +
      `${formatPixels(pixels)} pixels, over the budget of ${formatPixels(maxPixels)} (MAX_VIDEO_PIXELS)`,
  );
}

/**
 * The most frames extraction may write for a probed count: the count plus 5%
 * and 10 frames of slack (a variable-frame-rate file's duration x fps is an
 * estimate). Reaching it means the file holds more frames than it declared.
 */
export function extractionFrameCap(frameCountEstimate: number): number {
  return Math.ceil(frameCountEstimate * 1.05) + 10;
}

function formatPixels(n: number): string {
  if (n >= 1e12) return `${(n / 1e12).toFixed(2)} T`;
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  return n.toLocaleString("en");
}
