import { createHttpEnhancer } from "./http";
import { createLocalEnhancer } from "./local";
import { createNoopEnhancer } from "./noop";

export interface EnhanceInput {
  videoId: string;
  frameIndex: number;
  /** The frame as JPEG (or PNG). */
  image: Buffer;
  width: number;
  height: number;
  signal?: AbortSignal;
}

/**
 * One frame in, one enhanced JPEG of the same size out. Failures are thrown as
 * EnhanceError (see errors.ts), never returned as an image.
 */
export interface Enhancer {
  readonly name: string;
  /**
   * True when calls go to the shared external service and must therefore go
   * through the fleet-wide limiter and breaker (lib/enhance/call-guard.ts).
   */
  readonly external?: boolean;
  enhance(input: EnhanceInput): Promise<Buffer>;
}

export type EnhancerConfig =
  | { kind: "local" }
  | { kind: "noop" }
  | { kind: "http"; url: string; timeoutMs: number };

export function createEnhancer(config: EnhancerConfig): Enhancer {
  switch (config.kind) {
    case "local":
      return createLocalEnhancer();
    case "noop":
      return createNoopEnhancer();
    case "http":
      return createHttpEnhancer(config);
  }
}

/** The enhancer the environment asks for (ENHANCER, ENHANCER_URL, ENHANCER_TIMEOUT_MS). */
export function enhancerConfigFromEnv(e: {
  ENHANCER: "local" | "http" | "noop";
  ENHANCER_URL?: string | undefined;
  ENHANCER_TIMEOUT_MS: number;
}): EnhancerConfig {
  if (e.ENHANCER !== "http") return { kind: e.ENHANCER };
  // lib/env.ts already refuses ENHANCER=http without a URL; this keeps the type honest.
  if (!e.ENHANCER_URL) throw new Error("ENHANCER_URL is required when ENHANCER=http");
  return { kind: "http", url: e.ENHANCER_URL, timeoutMs: e.ENHANCER_TIMEOUT_MS };
}
