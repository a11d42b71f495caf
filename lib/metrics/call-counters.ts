import { Counter, type Registry } from "prom-client";
import type { CallCosts } from "@/lib/pipeline/queries/costs";

// Enhancer calls and the calls idempotency saved, as Prometheus counters.
// The totals come from counter rows that never go down (a deleted video's
// row is kept), so they are true counters: rate() and increase() work.
// Fleet-wide only: a per-video label would grow without bound; the per-video
// figures are at GET /api/videos/{id}/costs.

function counter(registry: Registry, name: string, help: string, labelNames: string[] = []): Counter {
  return new Counter({ name, help, labelNames, registers: [registry] });
}

export function registerCallCounters(r: Registry, c: CallCosts): void {
  counter(r, "framewise_enhancer_calls_total", "Calls made to the enhancer (any outcome, 429s and timeouts included).").inc(c.calls);
  counter(r, "framewise_enhancer_calls_succeeded_total", "Enhancer calls that returned a result.").inc(c.succeeded);
  counter(r, "framewise_enhancer_calls_repeated_total", "Enhancer calls for a frame that had been sent to the enhancer before.").inc(c.repeated);
  const saved = counter(r, "framewise_enhancer_calls_saved_total", "Calls idempotency saved: frame jobs for an already recorded frame, and durable results recorded without a call.", ["reason"]);
  saved.inc({ reason: "duplicate_delivery" }, c.skippedDelivered);
  saved.inc({ reason: "durable_result" }, c.skippedRecovered);
  // Money only with ENHANCER_COST_PER_CALL: a 0 would claim the calls were free.
  if (c.spent === null || c.savedMoney === null) return;
  counter(r, "framewise_enhancer_cost_spent_total", "Money spent on enhancer calls (calls x ENHANCER_COST_PER_CALL).").inc(c.spent);
  counter(r, "framewise_enhancer_cost_saved_total", "Money idempotency saved (calls saved x ENHANCER_COST_PER_CALL).").inc(c.savedMoney);
}
