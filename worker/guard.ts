import type { Env } from "@/lib/env";
import { createCallGuard } from "@/lib/enhance/call-guard";
import { limitsFromEnv } from "@/lib/enhance/limits";
import type { WorkerConfig } from "./run";

/** The fleet-wide limiter and breaker guard calls to the external service; local enhancement needs none. */
export function guardFromEnv(e: Env): WorkerConfig["guard"] {
  if (e.ENHANCER !== "http") return undefined;
  const limits = { ...limitsFromEnv(e), breaker: { failureThreshold: e.ENHANCER_BREAKER_THRESHOLD, openMs: e.ENHANCER_BREAKER_OPEN_MS } };
  return (pool, workerId) => createCallGuard(pool, { workerId, limits });
}
