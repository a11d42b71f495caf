import type { Enhancer, EnhanceInput } from "./enhancer";
import { EnhanceError, MAX_EXCERPT_CHARS, bodyExcerpt, classifyError, isRetryableStatus, parseRetryAfter } from "./errors";
import { validateResponseImage } from "./response-image";

export interface HttpEnhancerConfig {
  url: string;
  timeoutMs: number;
  /** A 2xx body larger than this is an InvalidResponse (default 256 MiB). */
  maxResponseBytes?: number;
}

/** The key a well-behaved service dedupes on: one per video and frame (invariant 2). */
export function idempotencyKey(videoId: string, frameIndex: number): string {
  return `${videoId}:${frameIndex}`;
}

/**
 * ENHANCER=http: one POST per frame (protocol in DESIGN.md). It makes exactly
 * one call and maps every outcome to an image or an EnhanceError; retrying,
 * rate limiting and the breaker are the caller's (call-guard.ts).
 */
export function createHttpEnhancer(config: HttpEnhancerConfig): Enhancer {
  const url = new URL(config.url).toString();
  if (!(config.timeoutMs > 0)) throw new Error(`timeoutMs must be positive, got ${config.timeoutMs}`);
  const maxResponseBytes = config.maxResponseBytes ?? 256 * 1024 * 1024;

  return {
    name: "http",
    external: true,
    async enhance(input: EnhanceInput): Promise<Buffer> {
      const started = performance.now();
      // The timeout covers the whole exchange, body included: a service that
      // sends headers and then stalls must not hold a permit forever.
      const timeout = AbortSignal.timeout(config.timeoutMs);
      const signal = input.signal ? AbortSignal.any([timeout, input.signal]) : timeout;
      try {
        const response = await fetch(url, {
          method: "POST",
          body: new Uint8Array(input.image.buffer, input.image.byteOffset, input.image.byteLength) as Uint8Array<ArrayBuffer>,
          headers: {
            "Content-Type": isPng(input.image) ? "image/png" : "image/jpeg",
            "Idempotency-Key": idempotencyKey(input.videoId, input.frameIndex),
            "X-Frame-Index": String(input.frameIndex),
          },
          signal,
          // A redirected POST silently becomes a GET; a moved service is a
          // configuration error to report, not to follow.
          redirect: "manual",
        });
        if (response.status >= 200 && response.status < 300) {
          const body = await readBody(response, maxResponseBytes);
          return await validateResponseImage(body, input.width, input.height);
        }
        const excerpt = await readBody(response, MAX_EXCERPT_CHARS * 4, { truncate: true });
        throw httpError(response, excerpt);
      } catch (error) {
        let e: EnhanceError;
        if (error instanceof EnhanceError) e = error;
        else if (timeout.aborted) {
          e = new EnhanceError({ errorClass: "Timeout", message: `no complete answer within ${config.timeoutMs} ms`, retryable: true, cause: error });
        } else if (input.signal?.aborted) {
          e = new EnhanceError({ errorClass: "Aborted", message: "aborted by the worker", retryable: true, cause: error });
        } else e = classifyError(error);
        throw e.with({ durationMs: performance.now() - started });
      }
    },
  };
}

function isPng(image: Buffer): boolean {
  return image.length > 8 && image[0] === 0x89 && image[1] === 0x50 && image[2] === 0x4e && image[3] === 0x47;
}

/**
 * Reads at most `limit` bytes. With `truncate`, stops there (error bodies are
 * only excerpted); without, a longer body is an InvalidResponse.
 */
async function readBody(response: Response, limit: number, options: { truncate?: boolean } = {}): Promise<Buffer> {
  if (!response.body) return Buffer.alloc(0);
  const declared = Number(response.headers.get("content-length"));
  if (!options.truncate && declared > limit) {
    await response.body.cancel().catch(() => {});
    throw new EnhanceError({ errorClass: "InvalidResponse", message: `response body of ${declared} bytes exceeds ${limit}`, retryable: true });
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
    if (size >= limit) {
      await reader.cancel().catch(() => {});
      if (options.truncate) break;
      throw new EnhanceError({ errorClass: "InvalidResponse", message: `response body exceeds ${limit} bytes`, retryable: true });
    }
  }
  return Buffer.concat(chunks, size);
}

function httpError(response: Response, body: Buffer): EnhanceError {
  const detail = errorDetail(body) ?? response.statusText;
  const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"));
  return new EnhanceError({
    errorClass: "HttpError",
    message: `HTTP ${response.status}${detail ? `: ${detail}` : ""}`,
    httpStatus: response.status,
    retryable: isRetryableStatus(response.status),
    bodyExcerpt: bodyExcerpt(body),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
}

/** The human part of a JSON error body, in the shapes services commonly use. */
function errorDetail(body: Buffer): string | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body.toString("utf8"));
  } catch {
    return undefined;
  }
  if (typeof json !== "object" || json === null) return undefined;
  const o = json as Record<string, unknown>;
  const candidates = [o.error, (o.error as Record<string, unknown> | undefined)?.message, o.message, o.detail, o.title];
  const found = candidates.find((c): c is string => typeof c === "string" && c.trim() !== "");
  return found?.slice(0, 300);
}
