import type { Env } from "@/lib/env";
import type { WorkerConfig } from "./run";

/** The fleet-wide limiter and breaker apply to the external service only. */
export function guardFromEnv(e: Env): WorkerConfig["guard"] {
  if (e.ENHANCER !== "http") return undefined;
  return undefined;
}
