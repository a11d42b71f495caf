import { createPool } from "@/lib/db/client";
import { createBoss } from "@/lib/queue/boss";
import { ensureWebhookQueue, WEBHOOK_QUEUE } from "@/lib/webhooks/queue";
import type { DeliveryOptions } from "@/lib/webhooks/deliver";
import { webhookHandler } from "./handlers/webhook";

/**
 * Webhook delivery in a worker process, beside the pipeline: its own small
 * pool and pg-boss instance (no supervision: the pipeline's instance in the
 * same process supervises every queue), so a slow receiver never holds a
 * connection the frames need.
 */
export async function startWebhookDelivery(config: { databaseUrl: string; log: (m: string) => void } & DeliveryOptions): Promise<{ stop(): Promise<void> }> {
  const pool = createPool(config.databaseUrl, 3);
  const boss = createBoss(config.databaseUrl, { max: 2, supervise: false });
  boss.on("error", (error) => config.log(`webhook queue error: ${(error as Error).message}`));
  await boss.start();
  await ensureWebhookQueue(boss);
  const opts = { timeoutMs: config.timeoutMs, allowPrivate: config.allowPrivate };
  await boss.work(WEBHOOK_QUEUE, { batchSize: 1, pollingIntervalSeconds: 0.5, localConcurrency: 4 }, webhookHandler(pool, boss, opts, config.log));
  return {
    async stop() {
      await boss.offWork(WEBHOOK_QUEUE, { wait: false }).catch(() => {});
      await boss.stop({ graceful: true, timeout: 15_000, close: true }).catch(() => {});
      await pool.end();
    },
  };
}
