// Every failed enhancement becomes an EnhanceError whose metadata is stored on
// the frame's attempt row (invariant 4) and whose fingerprint groups failures
// by cause in the dashboard. Pure: no I/O.

export type ErrorClass =
  | "HttpError" // the service answered with a non-2xx status
  | "Timeout" // no complete answer within ENHANCER_TIMEOUT_MS
  | "ConnectionError" // refused, reset, DNS: the request may not have arrived
  | "InvalidResponse" // a 2xx whose body is not an image of the frame's size
  | "ImageError" // the input frame itself cannot be processed
  | "Aborted" // our side gave up (worker shutdown), not the service's fault
  | (string & {}); // the name of an unexpected error (TypeError, ...)

/** What goes into frame_attempts.error / frame_executions.last_error (JSONB). */
export interface EnhanceErrorMetadata {
  errorClass: ErrorClass;
  message: string;
  retryable: boolean;
  httpStatus?: number;
  bodyExcerpt?: string;
  retryAfterMs?: number;
  durationMs?: number;
}

export const MAX_MESSAGE_CHARS = 500;
export const MAX_EXCERPT_CHARS = 1024;

export class EnhanceError extends Error {
  readonly errorClass: ErrorClass;
  readonly retryable: boolean;
  readonly httpStatus?: number;
  readonly bodyExcerpt?: string;
  readonly retryAfterMs?: number;
  readonly durationMs?: number;

  constructor(init: Omit<EnhanceErrorMetadata, "message"> & { message: string; cause?: unknown }) {
    super(textSafe(init.message, MAX_MESSAGE_CHARS), init.cause === undefined ? undefined : { cause: init.cause });
    this.name = "EnhanceError";
    this.errorClass = init.errorClass;
    this.retryable = init.retryable;
    if (init.httpStatus !== undefined) this.httpStatus = init.httpStatus;
    if (init.bodyExcerpt !== undefined) this.bodyExcerpt = textSafe(init.bodyExcerpt, MAX_EXCERPT_CHARS);
    if (init.retryAfterMs !== undefined) this.retryAfterMs = Math.max(0, Math.round(init.retryAfterMs));
    if (init.durationMs !== undefined) this.durationMs = Math.round(init.durationMs);
  }

  /** A copy with fields added (e.g. the call's duration, known only by the caller). */
  with(extra: Partial<EnhanceErrorMetadata>): EnhanceError {
    return new EnhanceError({ ...this.toMetadata(), ...extra, cause: this.cause });
  }

  /** Plain JSON, no undefined values (JSONB-ready). */
  toMetadata(): EnhanceErrorMetadata {
    const meta: EnhanceErrorMetadata = { errorClass: this.errorClass, message: this.message, retryable: this.retryable };
    if (this.httpStatus !== undefined) meta.httpStatus = this.httpStatus;
    if (this.bodyExcerpt !== undefined) meta.bodyExcerpt = this.bodyExcerpt;
    if (this.retryAfterMs !== undefined) meta.retryAfterMs = this.retryAfterMs;
    if (this.durationMs !== undefined) meta.durationMs = this.durationMs;
    return meta;
  }
}

/** 408, 429 and 5xx are worth another attempt; any other 4xx will fail again. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3).
 * Returns milliseconds from `nowMs`, or undefined when absent or unparseable.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs = Date.now()): number | undefined {
  if (value == null) return undefined;
  const trimmed = value.trim();
  if (trimmed === "") return undefined;
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // Date.parse would also accept "12.5" or "-3" as dates; only RFC dates here.
  if (!/[a-z]/i.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/**
 * Bounded, text-safe excerpt of a response body. Binary bodies become a short
 * hex preview: the excerpt lands in JSONB, which rejects \u0000, and in an
 * HTML table, where a megabyte of JPEG helps nobody.
 */
export function bodyExcerpt(body: Uint8Array, maxChars = MAX_EXCERPT_CHARS): string {
  if (body.length === 0) return "";
  const head = body.subarray(0, maxChars * 4);
  const text = new TextDecoder("utf-8", { fatal: false }).decode(head);
  const suspicious = (text.match(/[\u0000-\u0008\u000e-\u001f\ufffd]/g) ?? []).length;
  if (suspicious > Math.max(2, text.length * 0.05)) {
    const hex = Buffer.from(body.subarray(0, 32)).toString("hex");
    return `[binary, ${body.length} bytes] ${hex}`;
  }
  const excerpt = textSafe(text, maxChars);
  return body.length > head.length && excerpt.length < maxChars ? `${excerpt}…` : excerpt;
}

/** Drops control characters (keeps \n and \t) and bounds the length. */
export function textSafe(value: string, maxChars: number): string {
   
  const cleaned = value.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, "");
  return cleaned.length > maxChars ? `${cleaned.slice(0, maxChars - 1)}…` : cleaned;
}

const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
]);
const TIMEOUT_CODES = new Set(["ETIMEDOUT", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);

/** Maps anything thrown during an enhancement to an EnhanceError. */
export function classifyError(error: unknown): EnhanceError {
  if (error instanceof EnhanceError) return error;
  if (!(error instanceof Error)) {
    return new EnhanceError({ errorClass: "Error", message: String(error), retryable: true, cause: error });
  }
  if (error.name === "TimeoutError") {
    return new EnhanceError({ errorClass: "Timeout", message: "timed out", retryable: true, cause: error });
  }
  if (error.name === "AbortError") {
    return new EnhanceError({ errorClass: "Aborted", message: "aborted by the worker", retryable: true, cause: error });
  }
  // fetch() wraps socket errors: TypeError("fetch failed", { cause: { code } }).
  const code = errorCode(error) ?? errorCode(error.cause);
  if (code && TIMEOUT_CODES.has(code)) {
    return new EnhanceError({ errorClass: "Timeout", message: `timed out (${code})`, retryable: true, cause: error });
  }
  if (code && CONNECTION_CODES.has(code)) {
    const detail = error.cause instanceof Error ? error.cause.message : error.message;
    return new EnhanceError({ errorClass: "ConnectionError", message: `${code}: ${detail}`, retryable: true, cause: error });
  }
  if (isImageDecodeError(error)) {
    return new EnhanceError({ errorClass: "ImageError", message: error.message, retryable: false, cause: error });
  }
  // Unknown: retryable, because the frame's attempt budget bounds the cost of
  // being wrong, while a wrongly permanent failure needs an operator.
  return new EnhanceError({ errorClass: error.name || "Error", message: error.message, retryable: true, cause: error });
}

function errorCode(value: unknown): string | undefined {
  if (typeof value === "object" && value !== null && "code" in value && typeof value.code === "string") return value.code;
  return undefined;
}

function isImageDecodeError(error: Error): boolean {
  return /unsupported image format|VipsJpeg|VipsPng|premature end|corrupt|Input buffer (is empty|has corrupt header)|bad seek/i.test(
    error.message,
  );
}

/**
 * The key of an "error group": class + HTTP status + the message with its
 * variable parts (numbers, ids, hashes, quoted values) replaced, so failures
 * that differ only in the frame number or request id land in one group.
 * Must stay stable across releases: stored fingerprints are grouped on it.
 */
export function errorFingerprint(meta: Pick<EnhanceErrorMetadata, "errorClass" | "message" | "httpStatus">): string {
  const message = meta.message
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, "<uuid>")
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, "<q>")
    .replace(/\b0x[0-9a-f]+\b/gi, "<hex>")
    .replace(/\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b/gi, "<hex>")
    .replace(/\d+(?:\.\d+)?/g, "<n>")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 200);
  return `${meta.errorClass}|${meta.httpStatus ?? "-"}|${message}`;
}
