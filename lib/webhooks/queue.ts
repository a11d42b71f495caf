import type { PgBoss } from "pg-boss";
import type pg from "pg";
import { z } from "zod";
import { onTransaction } from "@/lib/queue/boss";

// One job per delivery attempt, carrying the delivery's id only. The retry
// schedule is ours (lib/webhooks/retry-schedule.ts): a failed attempt sends
// the next job with startAfter. pg-boss's own retries only cover a worker
// that died mid-attempt (the job expires and runs again; the delivery's
// lease makes the second run wait for the first one's lease to lapse).
export const WEBHOOK_QUEUE = "webhook";
export const webhookJob = z.object({ deliveryId: z.string().uuid() });

export async function ensureWebhookQueue(boss: PgBoss): Promise<void> {
  if (await boss.getQueue(WEBHOOK_QUEUE)) return;
  await boss.createQueue(WEBHOOK_QUEUE, { retryLimit: 3, retryDelay: 30, expireInSeconds: 120, deleteAfterSeconds: 7 * 24 * 3600 }).catch(async (error) => {
    // Another process created it in between.
    if (!(await boss.getQueue(WEBHOOK_QUEUE))) throw error;
  });
}

export async function sendDeliveryJobs(boss: PgBoss, deliveryIds: string[], opts: { client?: pg.PoolClient; startAfter?: Date } = {}): Promise<void> {
  if (deliveryIds.length === 0) return;
  await boss.insert(
    WEBHOOK_QUEUE,
    deliveryIds.map((deliveryId) => ({ data: { deliveryId }, ...(opts.startAfter ? { startAfter: opts.startAfter } : {}) })),
    opts.client ? { db: onTransaction(opts.client) } : undefined,
  );
}
