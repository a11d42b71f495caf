// Error metadata for a failed transcription, in the same shape as a failed
// frame's (DESIGN.md invariant 4): class, message, HTTP status and a bounded
// excerpt of the response body when there is one, retryable or not, attempt.
// The stage stores `toMetadata()` as JSON; `class` + `httpStatus` group errors.

export const BODY_EXCERPT_MAX_CHARS = 1000;

export type TranscriptionErrorClass =
  | "TranscriberHttpError"
  | "TranscriberTimeoutError"
  | "TranscriberNetworkError"
  | "TranscriberProcessError"
  | "TranscriberOutputError"
  | "TranscriberInputError"
  | "TranscriberConfigError";

export interface TranscriptionErrorMetadata {
  class: TranscriptionErrorClass;
  message: string;
  retryable: boolean;
  transcriber: string;
  attempt?: number;
  httpStatus?: number;
  bodyExcerpt?: string;
  /** The piece of audio that failed, for chunked uploads. */
  chunk?: { index: number; count: number; startSec: number; endSec: number };
  exitCode?: number | null;
  stderrExcerpt?: string;
  durationMs?: number;
}

export class TranscriptionError extends Error {
  override readonly name: TranscriptionErrorClass;
  readonly metadata: TranscriptionErrorMetadata;

  constructor(metadata: Omit<TranscriptionErrorMetadata, "bodyExcerpt" | "stderrExcerpt"> & { bodyExcerpt?: string; stderrExcerpt?: string }, options?: { cause?: unknown }) {
    super(metadata.message, options);
    this.name = metadata.class;
    this.metadata = {
      ...metadata,
      ...(metadata.bodyExcerpt !== undefined ? { bodyExcerpt: excerpt(metadata.bodyExcerpt) } : {}),
      ...(metadata.stderrExcerpt !== undefined ? { stderrExcerpt: excerpt(metadata.stderrExcerpt, "tail") } : {}),
    };
  }

  get retryable(): boolean {
    return this.metadata.retryable;
  }

  /** Plain JSON for the stage's `error` column. */
  toMetadata(): TranscriptionErrorMetadata {
    return { ...this.metadata };
  }
}

/** Bounded excerpt; `tail` keeps the end (where a process prints its fatal error). */
export function excerpt(text: string, keep: "head" | "tail" = "head", max = BODY_EXCERPT_MAX_CHARS): string {
  if (text.length <= max) return text;
  return keep === "head" ? `${text.slice(0, max)}…` : `…${text.slice(-max)}`;
}
