import type { Enhancer, EnhanceInput } from "@/lib/enhance/enhancer";
import { EnhanceError } from "@/lib/enhance/errors";

/** An enhancer that returns its input, counts calls per frame and can be told to fail some frames. */
export function countingEnhancer(opts: { delayMs?: number; fail?: (frameIndex: number, call: number) => EnhanceError | null } = {}) {
  const calls = new Map<string, number>();
  const enhancer: Enhancer = {
    name: "counting",
    async enhance(input: EnhanceInput) {
      const key = `${input.videoId}:${input.frameIndex}`;
      const n = (calls.get(key) ?? 0) + 1;
      calls.set(key, n);
      if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
      const error = opts.fail?.(input.frameIndex, n);
      if (error) throw error;
      return input.image;
    },
  };
  return { enhancer, calls, total: () => [...calls.values()].reduce((a, b) => a + b, 0) };
}

export const permanent = (status = 422) =>
  new EnhanceError({ errorClass: "HttpError", message: `unprocessable frame (HTTP ${status})`, httpStatus: status, retryable: false, bodyExcerpt: '{"error":"bad frame"}' });
export const transient = () => new EnhanceError({ errorClass: "HttpError", message: "service unavailable (HTTP 503)", httpStatus: 503, retryable: true });
