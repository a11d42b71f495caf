// One error type for everything lib/media does, so callers branch on a stable
// `code` and never see a raw child-process error. `message` is written for an
// operator (it ends up in the dashboard and in API errors); `detail` carries
// the bounded tail of the tool's stderr for the error-metadata table.

/** The upload itself is at fault: permanent, answered with a 4xx, never retried. */
export const INPUT_ERROR_CODES = ["empty_file", "unreadable", "no_video_stream", "unsupported", "over_pixel_budget"] as const;

/** The machine or the pipeline is at fault (or the caller canceled): may be retried. */
export const PROCESSING_ERROR_CODES = [
  "binary_not_found",
  "probe_failed",
  "ffmpeg_failed",
  // killed by a signal we did not send (the OOM killer, an operator): worth a retry
  "ffmpeg_killed",
  // no progress for FFMPEG_STALL_SECONDS: killed by us, worth a retry
  "ffmpeg_stalled",
  "frames_missing",
  "aborted",
] as const;

export type MediaInputErrorCode = (typeof INPUT_ERROR_CODES)[number];
export type MediaErrorCode = MediaInputErrorCode | (typeof PROCESSING_ERROR_CODES)[number];

/** Bound on any stderr excerpt kept in memory or stored with an error. */
export const STDERR_TAIL_BYTES = 2048;

export class MediaError extends Error {
  override readonly name = "MediaError";
  readonly code: MediaErrorCode;
  readonly detail?: string;

  constructor(code: MediaErrorCode, message: string, options: { detail?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options.detail) this.detail = options.detail;
  }

  /** True when the upload is the problem (bad file), false for failures worth retrying. */
  get isInputError(): boolean {
    return (INPUT_ERROR_CODES as readonly string[]).includes(this.code);
  }

  toJSON(): { code: MediaErrorCode; message: string; detail?: string } {
    return { code: this.code, message: this.message, ...(this.detail ? { detail: this.detail } : {}) };
  }
}

export function isMediaError(error: unknown, code?: MediaErrorCode): error is MediaError {
  return error instanceof MediaError && (code === undefined || error.code === code);
}
