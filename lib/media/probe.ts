import { stat } from "node:fs/promises";
import path from "node:path";
import { ffprobePath } from "./binaries";
import { MediaError } from "./errors";
import { describeMedia, ffprobeOutputSchema, type FfprobeOutput, type MediaInfo } from "./media-info";
import { lastLine, runTool } from "./run-tool";
import { env } from "@/lib/env";
import { checkPixelBudget, isRemoteInput, mediaName, untrustedInputArgs } from "./untrusted-input";

export { describeMedia, frameRateOf, parseRational, type FfprobeOutput, type MediaInfo, type ProbeSummary } from "./media-info";

export interface ProbeOptions {
  /** Kill ffprobe after this long (default 60 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Budget of frames x width x height (default MAX_VIDEO_PIXELS). */
  maxVideoPixels?: number;
}

const DEFAULT_TIMEOUT_MS = 60_000;

/** ffprobe's JSON for an upload (format and streams), or a MediaError. */
export async function readProbeJson(file: string, options: ProbeOptions = {}): Promise<FfprobeOutput> {
  const name = mediaName(file);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const outcome = await runTool({
    command: ffprobePath(),
    // No -format_whitelist here: probing names the container so a refusal can
    // say which one (describeMedia checks it against ACCEPTED_DEMUXERS).
    args: [
      "-hide_banner",
      "-v",
      "error",
      ...untrustedInputArgs(file, { checkFormat: false }),
      "-print_format",
      "json",
      "-show_format",
      "-show_streams",
    ],
    signal: options.signal,
    timeoutMs,
    maxStdoutBytes: 4 * 1024 * 1024,
  });
  const detail = redactPath(outcome.stderrTail, file) || undefined;
  switch (outcome.kind) {
    case "aborted":
      throw new MediaError("aborted", `probing ${name} was canceled`, { cause: outcome.error });
    case "spawn_failed":
      throw new MediaError("probe_failed", `ffprobe could not be started: ${errorText(outcome.error)}`, { cause: outcome.error });
    case "timed_out":
      // A file that keeps ffprobe busy this long is the upload's fault: ffprobe
      // reads headers only, which takes well under a second for real videos.
      throw new MediaError("unreadable", `${name} could not be read: ffprobe gave up after ${Math.round(timeoutMs / 1000)} s`, {
        detail,
      });
    case "stdout_overflow":
      throw new MediaError("unsupported", `${name} has too many streams to process`, { detail });
    case "callback_failed":
      throw new MediaError("probe_failed", `ffprobe failed: ${errorText(outcome.error)}`, { cause: outcome.error });
    case "exited":
      break;
  }
  if (outcome.exitSignal) {
    throw new MediaError("probe_failed", `ffprobe was killed by ${outcome.exitSignal} while reading ${name}`, { detail });
  }
  if (outcome.exitCode !== 0) {
    const reason = lastLine(detail ?? "") || `ffprobe exited with code ${outcome.exitCode}`;
    throw new MediaError("unreadable", `${name} is not a readable video file (${reason})`, { detail });
  }
  let json: unknown;
  try {
    json = JSON.parse(outcome.stdout);
  } catch {
    throw new MediaError("probe_failed", `ffprobe printed something that is not JSON for ${name}`, { detail });
  }
  const parsed = ffprobeOutputSchema.safeParse(json);
  if (!parsed.success) {
    throw new MediaError("unreadable", `${name} is not a readable video file (ffprobe found no container format)`, {
      detail: detail ?? parsed.error.message.slice(0, 2048),
    });
  }
  return parsed.data;
}

/** Probe an uploaded file and decide whether the pipeline can process it. */
export async function probeMedia(file: string, options: ProbeOptions = {}): Promise<MediaInfo> {
  const name = mediaName(file);
  // A stored object (presigned URL): no stat; an empty object fails the probe.
  let size = 1;
  if (!isRemoteInput(file)) try {
    const s = await stat(file);
    if (!s.isFile()) throw new MediaError("unreadable", `${name} is not a regular file`);
    size = s.size;
  } catch (error) {
    if (error instanceof MediaError) throw error;
    throw new MediaError("probe_failed", `cannot open ${name}: ${errorText(error)}`, { cause: error });
  }
  if (size === 0) throw new MediaError("empty_file", `${name} is empty (0 bytes)`);
  const info = describeMedia(await readProbeJson(file, options), name);
  checkPixelBudget(info, options.maxVideoPixels ?? env().MAX_VIDEO_PIXELS, name);
  return info;
}

function redactPath(text: string, file: string): string {
  if (isRemoteInput(file)) return text.split(file).join(mediaName(file)).trim();
  const absolute = path.resolve(file);
  return text.split(`file:${absolute}`).join(path.basename(file)).split(absolute).join(path.basename(file)).trim();
}

function errorText(error: unknown): string {
  if (error instanceof Error) return (error as NodeJS.ErrnoException).code ?? error.message;
  return String(error);
}

