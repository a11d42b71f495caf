import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { TranscriptionError, type TranscriptionErrorMetadata } from "./errors";

// One POST to an OpenAI-compatible /v1/audio/transcriptions, and its bounded
// retries. Retrying here, inside the stage, is deliberate (CONVENTIONS.md
// usually wants the queue to retry): a long video is several chunks, and
// failing the stage on chunk 5 would re-send, and pay for, chunks 1-4.

const MAX_ERROR_BODY_BYTES = 64 * 1024;

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited for: the error goes to the stage (retryable). */
  maxRetryAfterMs: number;
}

export interface TranscriptionRequest {
  url: string;
  apiKey?: string;
  model: string;
  language?: string;
  prompt?: string;
  file: { name: string; data: Buffer; type: string };
  timeoutMs: number;
  signal?: AbortSignal;
  fetch: typeof fetch;
  /** Copied into error metadata. */
  chunk?: TranscriptionErrorMetadata["chunk"];
}

const verboseJson = z.object({
  text: z.string().optional(),
  duration: z.coerce.number().optional(),
  segments: z.array(z.object({ start: z.coerce.number(), end: z.coerce.number(), text: z.string() })).optional(),
  words: z.array(z.object({ word: z.string(), start: z.coerce.number(), end: z.coerce.number() })).optional(),
});
export type VerboseJson = z.infer<typeof verboseJson>;

/**
 * `https://host` and `https://host/v1` get the standard path appended; any
 * other path is taken as the full endpoint (whisper.cpp's server answers on
 * `/inference`, proxies on paths of their own).
 */
export function transcriptionsUrl(configured: string): string {
  const url = new URL(configured);
  const pathname = url.pathname.replace(/\/+$/, "");
  if (pathname === "") url.pathname = "/v1/audio/transcriptions";
  else if (/\/v1$/.test(pathname)) url.pathname = `${pathname}/audio/transcriptions`;
  return url.toString();
}

export async function postWithRetries(request: TranscriptionRequest, policy: RetryPolicy): Promise<VerboseJson> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await postOnce(request, attempt);
    } catch (error) {
      request.signal?.throwIfAborted();
      if (!(error instanceof TranscriptionError) || !error.retryable || attempt >= policy.maxAttempts) throw error;
      const retryAfterMs = (error as TranscriptionError & { retryAfterMs?: number }).retryAfterMs;
      if (retryAfterMs !== undefined && retryAfterMs > policy.maxRetryAfterMs) throw error;
      // Exponential with "equal jitter": never less than half the step, so a
      // fleet that failed together does not come back together.
      const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      const delayMs = Math.max(retryAfterMs ?? 0, step / 2 + Math.random() * (step / 2));
      await sleep(delayMs, undefined, { signal: request.signal });
    }
  }
}

async function postOnce(request: TranscriptionRequest, attempt: number): Promise<VerboseJson> {
  const form = new FormData();
  form.append("file", new File([new Uint8Array(request.file.data)], request.file.name, { type: request.file.type }));
  form.append("model", request.model);
  form.append("response_format", "verbose_json");
  form.append("timestamp_granularities[]", "segment");
  if (request.language && request.language !== "auto") form.append("language", request.language);
  if (request.prompt) form.append("prompt", request.prompt);

  const timeout = AbortSignal.timeout(request.timeoutMs);
  const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
  const startedAt = Date.now();
  const base = { transcriber: "openai", attempt, ...(request.chunk ? { chunk: request.chunk } : {}) };
  const fail = (meta: Omit<TranscriptionErrorMetadata, "transcriber" | "attempt" | "durationMs">, cause?: unknown) =>
    new TranscriptionError({ ...base, ...meta, durationMs: Date.now() - startedAt }, { cause });

  let response: Response;
  let body: string;
  try {
    response = await request.fetch(request.url, {
      method: "POST",
      body: form,
      headers: request.apiKey ? { authorization: `Bearer ${request.apiKey}` } : {},
      signal,
    });
    body = await readBounded(response, response.ok ? Infinity : MAX_ERROR_BODY_BYTES);
  } catch (error) {
    request.signal?.throwIfAborted();
    if (timeout.aborted) {
      throw fail({ class: "TranscriberTimeoutError", message: `no answer within ${request.timeoutMs} ms`, retryable: true }, error);
    }
    const reason = (error as { cause?: { code?: string; message?: string } }).cause;
    throw fail({ class: "TranscriberNetworkError", message: `request failed: ${reason?.code ?? reason?.message ?? (error as Error).message}`, retryable: true }, error);
  }

  if (!response.ok) {
    const status = response.status;
    const retryable = status === 408 || status === 429 || status >= 500;
    const error = fail({
      class: "TranscriberHttpError",
      message: `HTTP ${status}${apiErrorMessage(body) ? `: ${apiErrorMessage(body)}` : ""}`,
      retryable,
      httpStatus: status,
      bodyExcerpt: body,
    });
    const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"));
    if (retryAfterMs !== undefined) Object.assign(error, { retryAfterMs });
    throw error;
  }

  let parsed: VerboseJson;
  try {
    parsed = verboseJson.parse(JSON.parse(body));
  } catch (error) {
    // A 200 that is not the verbose_json we asked for: a failed attempt, never an empty transcript.
    throw fail({ class: "TranscriberOutputError", message: "the answer is not verbose_json with segments", retryable: true, httpStatus: response.status, bodyExcerpt: body }, error);
  }
  return parsed;
}

async function readBounded(response: Response, maxBytes: number): Promise<string> {
  if (maxBytes === Infinity || !response.body) return response.text();
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < maxBytes) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
  }
  await reader.cancel().catch(() => {});
  return Buffer.concat(chunks).subarray(0, maxBytes).toString("utf8");
}

/** The `error.message` of an OpenAI-style error body, for a one-line message. */
function apiErrorMessage(body: string): string | undefined {
  try {
    const json = JSON.parse(body) as { error?: { message?: unknown } | string; detail?: unknown };
    const message = typeof json.error === "string" ? json.error : (json.error?.message ?? json.detail);
    return typeof message === "string" ? message.slice(0, 200) : undefined;
  } catch {
    return undefined;
  }
}

/** Retry-After: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
