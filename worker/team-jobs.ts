import os from "node:os";
import path from "node:path";
import { createPool } from "@/lib/db/client";
import { localStorage } from "@/lib/storage/local-storage";
import { Scratch } from "@/lib/storage/scratch";
import type { Storage } from "@/lib/storage/storage";
import { BULK_QUEUE } from "@/lib/bulk/queue";
import type { PipelineContext } from "@/lib/pipeline/context";
import { createBoss, createQueues } from "@/lib/queue/boss";
import type { DeliveryOptions } from "@/lib/webhooks/deliver";
import { WEBHOOK_QUEUE } from "@/lib/webhooks/queue";
import { bulkHandler } from "./handlers/bulk";
import { webhookHandler } from "./handlers/webhook";

export interface TeamJobsConfig extends DeliveryOptions {
  databaseUrl: string;
  dataDir: string;
  /** Where the videos' files are (bulk delete removes them); local storage under dataDir when not given. */
  storage?: Storage;
  frameMaxAttempts: number;
  log: (m: string) => void;
}

/**
 * The team features' queues in a worker process, beside the pipeline:
 * webhook deliveries and bulk actions. Their own small pool and pg-boss
 * instance (no supervision: the pipeline's instance in the same process
 * supervises every queue), so a slow receiver or a long bulk delete never
 * holds a connection the frames need.
 */
export async function startTeamJobs(config: TeamJobsConfig): Promise<{ stop(): Promise<void> }> {
  const pool = createPool(config.databaseUrl, 4);
  const boss = createBoss(config.databaseUrl, { max: 3, supervise: false });
  boss.on("error", (error) => config.log(`team queue error: ${(error as Error).message}`));
  await boss.start();
  await createQueues(boss);
  const ctx: PipelineContext = {
    pool,
    boss,
    dataDir: config.dataDir,
    storage: config.storage ?? localStorage(config.dataDir),
    scratch: new Scratch(path.join(os.tmpdir(), "framewise-scratch"), 2 * 1024 ** 3),
    frameMaxAttempts: config.frameMaxAttempts,
  };
  const shutdown = new AbortController();
  const opts = { timeoutMs: config.timeoutMs, allowPrivate: config.allowPrivate };
  await boss.work(WEBHOOK_QUEUE, { batchSize: 1, pollingIntervalSeconds: 0.5, localConcurrency: 4 }, webhookHandler(pool, boss, opts, config.log));
  await boss.work(BULK_QUEUE, { batchSize: 1, pollingIntervalSeconds: 0.5, localConcurrency: 1 }, bulkHandler(ctx, shutdown.signal));
  return {
    async stop() {
      await Promise.all([WEBHOOK_QUEUE, BULK_QUEUE].map((q) => boss.offWork(q, { wait: false }).catch(() => {})));
      shutdown.abort();
      await boss.stop({ graceful: true, timeout: 15_000, close: true }).catch(() => {});
      await pool.end();
    },
  };
}
