import type { Job, PgBoss } from "pg-boss";
import type pg from "pg";
import { attemptDelivery, type DeliveryOptions } from "@/lib/webhooks/deliver";
import { webhookJob } from "@/lib/webhooks/queue";

/**
 * Queue `webhook`: one delivery attempt per job. The attempt settles its own
 * row and schedules the next one (an HTTP failure is an outcome, not a
 * throw); what it throws (database unreachable) fails the job for pg-boss
 * to retry.
 */
export function webhookHandler(pool: pg.Pool, boss: PgBoss, opts: DeliveryOptions, log: (m: string) => void) {
  return async (jobs: Job<unknown>[]) => {
    for (const job of jobs) {
      const { deliveryId } = webhookJob.parse(job.data);
      const outcome = await attemptDelivery(pool, boss, deliveryId, opts);
      if (outcome.kind === "retry") log(`webhook ${deliveryId}: ${outcome.result.error}; next attempt at ${outcome.at.toISOString()}`);
      if (outcome.kind === "gave_up") log(`webhook ${deliveryId}: ${outcome.result.error}; giving up after 24 h`);
    }
  };
}
