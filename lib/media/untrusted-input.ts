import path from "node:path";

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
  return `file:${path.resolve(file)}`;
}

/** Input options and `-i` for an uploaded file. */
export function untrustedInputArgs(file: string, options: { checkFormat?: boolean } = {}): string[] {
  return [
    "-protocol_whitelist",
    "file",
    ...(options.checkFormat === false ? [] : ["-format_whitelist", ACCEPTED_DEMUXERS.join(",")]),
    "-i",
    fileUrl(file),
  ];
}
