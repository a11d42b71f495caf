import "server-only";
import { TranscriptionError } from "@/lib/captions/errors";
import { isMediaError } from "@/lib/media/errors";

/** The error stored on a stage that failed: a code and a sentence, plus the tool's stderr tail or the transcriber's metadata when there is one. */
export function stageErrorFrom(error: unknown): { code: string; message: string; detail?: string } {
  if (isMediaError(error)) return error.toJSON();
  if (error instanceof TranscriptionError) return { code: "transcription_failed", ...error.toMetadata() };
  const e = error as { code?: unknown; message?: unknown };
  return { code: typeof e?.code === "string" ? e.code : "internal_error", message: typeof e?.message === "string" ? e.message : String(error) };
}

/** Writes stage progress at most every `everyMs`, never blocking the caller. */
export function throttle(everyMs: number, fn: (value: number) => Promise<unknown>): (value: number) => void {
  let last = 0;
  return (value) => {
    const now = Date.now();
    if (now - last < everyMs) return;
    last = now;
    fn(value).catch(() => {});
  };
}
