import "server-only";
// How a stored error (frame_executions.last_error, frame_attempts.error)
// becomes the API's FrameError. The projection picks only the known keys and
// cuts the long text ones in SQL, so an oversized payload (a 1 MB HTML error
// page pasted into bodyExcerpt by an older writer, an unexpected key) never
// crosses the wire, let alone breaks a page of 50 rows.

export interface FrameError {
  errorClass: string;
  message: string;
  httpStatus: number | null;
  bodyExcerpt: string | null;
  retryable: boolean;
  attempt: number | null;
  workerId: string | null;
  durationMs: number | null;
  at: string | null;
}

/** List views: enough of the body to recognise the error; the frame view has the rest. */
export const LIST_EXCERPT_CHARS = 300;
/** The frame view: the writer's own bound (MAX_EXCERPT_CHARS), enforced again for old rows. */
export const DETAIL_EXCERPT_CHARS = 1024;
const MESSAGE_CHARS = 1000;

/**
 * SQL for a bounded copy of the JSONB error in `column` (a column reference
 * chosen by our code, never from a request). NULL stays NULL.
 */
export function errorProjection(column: string, excerptChars: number): string {
  if (!/^[a-z_]+\.[a-z_]+$/.test(column)) throw new Error(`not a column reference: ${column}`);
  const n = Math.trunc(excerptChars);
  return `CASE WHEN ${column} IS NULL THEN NULL ELSE jsonb_build_object(
      'errorClass', left(${column}->>'errorClass', 200),
      'message', left(${column}->>'message', ${MESSAGE_CHARS}),
      'httpStatus', ${column}->'httpStatus',
      'bodyExcerpt', left(${column}->>'bodyExcerpt', ${n}),
      'retryable', ${column}->'retryable',
      'attempt', ${column}->'attempt',
      'workerId', left(${column}->>'workerId', 200),
      'durationMs', ${column}->'durationMs',
      'at', ${column}->>'at') END`;
}

const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

/** Types the projected object; rows written by any version of the worker read the same. */
export function toFrameError(raw: unknown): FrameError | null {
  if (!raw || typeof raw !== "object") return null;
  const e = raw as Record<string, unknown>;
  const at = str(e.at);
  return {
    errorClass: str(e.errorClass) ?? "Error",
    message: str(e.message) ?? "",
    httpStatus: num(e.httpStatus),
    bodyExcerpt: str(e.bodyExcerpt),
    retryable: e.retryable === true,
    attempt: num(e.attempt),
    workerId: str(e.workerId),
    durationMs: num(e.durationMs),
    at: at && !Number.isNaN(Date.parse(at)) ? new Date(at).toISOString() : at,
  };
}
