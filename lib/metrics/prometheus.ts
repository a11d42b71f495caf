import { collectDefaultMetrics, Gauge, Registry } from "prom-client";
import { registerCallCounters } from "./call-counters";
import type { BreakerState } from "@/lib/enhance/admission";
import { FRAME_STATUSES, VIDEO_STATUSES, type MetricsSnapshot } from "./snapshot";

// Prometheus exposition with prom-client. The pipeline gauges live in a
// registry built per scrape from one database snapshot: no module state to
// drift between scrapes or between Next's route bundles. The process metrics
// (CPU, memory, event loop lag) are the one thing per process, so they live
// in one registry kept on globalThis (Next's dev reloads re-run modules).

export const BREAKER_STATE_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

const globalForMetrics = globalThis as unknown as { fwProcessRegistry?: Registry };

function processRegistry(): Registry {
  if (!globalForMetrics.fwProcessRegistry) {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: "framewise_web_" });
    globalForMetrics.fwProcessRegistry = registry;
  }
  return globalForMetrics.fwProcessRegistry;
}

function gauge(registry: Registry, name: string, help: string, labelNames: string[] = []): Gauge {
  return new Gauge({ name, help, labelNames, registers: [registry] });
}

export function pipelineRegistry(s: MetricsSnapshot): Registry {
  const r = new Registry();
  const frames = gauge(r, "framewise_frames", "Frames of the enhance stage by status (all videos).", ["status"]);
  for (const status of FRAME_STATUSES) frames.set({ status }, s.frames[status]);
  const videos = gauge(r, "framewise_videos", "Videos by status.", ["status"]);
  for (const status of VIDEO_STATUSES) videos.set({ status }, s.videos[status]);
  const jobs = gauge(r, "framewise_queue_jobs", "Work by queue: queued (created or retry) and active; pg-boss jobs, except enhance: frames pending and running (the stage counters).", ["queue", "state"]);
  for (const q of s.queues) {
    jobs.set({ queue: q.name, state: "queued" }, q.queued);
    jobs.set({ queue: q.name, state: "active" }, q.active);
  }
  gauge(r, "framewise_enhancer_breaker_state", "Circuit breaker of the enhancement service: 0 closed, 1 half-open, 2 open.").set(BREAKER_STATE_VALUE[s.breakerState] ?? 0);
  gauge(r, "framewise_enhancer_breaker_window_failures", "Failing frames in the breaker's window of recent calls (distinct frames).").set(s.windowFailures);
  gauge(r, "framewise_enhancer_permits_in_use", "Calls to the enhancement service in flight across the fleet.").set(s.permitsInUse);
  gauge(r, "framewise_enhancer_concurrency_limit", "Fleet-wide cap on calls in flight (ENHANCER_CONCURRENCY).").set(s.limits.concurrency);
  gauge(r, "framewise_enhancer_tokens", "Tokens left in the fleet-wide rate limiter's bucket.").set(s.tokens);
  gauge(r, "framewise_enhancer_rate_limit_per_second", "Fleet-wide call rate limit (ENHANCER_RATE_LIMIT).").set(s.limits.ratePerSec);
  gauge(r, "framewise_workers_online", "Workers whose heartbeat is recent and that have not stopped.").set(s.workersOnline);
  registerCallCounters(r, s.calls);
  return r;
}

/** The text a scrape gets, and its Content-Type. */
export async function renderMetrics(s: MetricsSnapshot, opts: { processMetrics?: boolean } = {}): Promise<{ body: string; contentType: string }> {
  const pipeline = pipelineRegistry(s);
  const registry = opts.processMetrics === false ? pipeline : Registry.merge([processRegistry(), pipeline]);
  return { body: await registry.metrics(), contentType: registry.contentType };
}
