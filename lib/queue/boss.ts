import { PgBoss } from "pg-boss";
import type { Db as IDatabase, Queue } from "pg-boss";
import type pg from "pg";
import { QUEUES, type FrameJob, type QueueName, type VideoJob } from "./jobs";
import { ensureWebhookQueue } from "@/lib/webhooks/queue";
import { ensureBulkQueue } from "@/lib/bulk/queue";

// Queue settings. Enhance jobs are cheap triggers: the frame row is the truth,
// so a lost or repeated enhance job is harmless (the claim skips done frames,
// the sweeper re-sends for frames whose lease lapsed). Stage jobs run one
// long ffmpeg step; pg-boss's heartbeat lets a dead worker's job be retried
// without waiting for the full expiry.
const QUEUE_OPTIONS: Record<QueueName, Omit<Queue, "name">> = {
  preprocess: { retryLimit: 2, retryDelay: 5, expireInSeconds: 4 * 3600, heartbeatSeconds: 30 },
  // The heartbeat also rescues a batch whose worker could not settle it
  // (PostgreSQL unreachable at that moment): without it the jobs would sit
  // `active` until the 15-minute expiry, holding their frames back.
  enhance: { retryLimit: 5, retryDelay: 2, retryBackoff: true, expireInSeconds: 15 * 60, deleteAfterSeconds: 3600, heartbeatSeconds: 10 },
  thumbnails: { retryLimit: 2, retryDelay: 5, expireInSeconds: 3600, heartbeatSeconds: 30 },
  captions: { retryLimit: 2, retryDelay: 5, expireInSeconds: 4 * 3600, heartbeatSeconds: 30 },
  encode: { retryLimit: 2, retryDelay: 5, expireInSeconds: 4 * 3600, heartbeatSeconds: 30 },
};

export function createBoss(databaseUrl: string, opts: { max?: number; supervise?: boolean } = {}): PgBoss {
  const boss = new PgBoss({
    connectionString: databaseUrl,
    max: opts.max ?? 6,
    application_name: "framewise-queue",
    supervise: opts.supervise ?? true,
    // How often lapsed heartbeats and expired jobs are looked for.
    superviseIntervalSeconds: 10,
    schedule: false,
  });
  return boss;
}

export async function createQueues(boss: PgBoss): Promise<void> {
  const existing = new Set((await boss.getQueues()).map((q) => q.name));
  for (const name of Object.values(QUEUES)) {
    if (!existing.has(name)) await boss.createQueue(name, QUEUE_OPTIONS[name]);
  }
  await ensureWebhookQueue(boss);
  await ensureBulkQueue(boss);
}

/** pg-boss statements run on our transaction, so a job is sent if and only if the transaction commits. */
export function onTransaction(client: pg.PoolClient): IDatabase {
  return { executeSql: (text: string, values?: unknown[]) => client.query(text, values) };
}

export async function sendVideoJob(boss: PgBoss, queue: Exclude<QueueName, "enhance">, job: VideoJob, client?: pg.PoolClient, startAfter?: Date): Promise<void> {
  await boss.send(queue, job, { ...(client ? { db: onTransaction(client) } : {}), ...(startAfter ? { startAfter } : {}) });
}

// pg-boss's insert takes an array; large fan-outs go in slices so one
// statement's JSON stays a few MB.
const INSERT_SLICE = 10_000;

export async function sendFrameJobs(
  boss: PgBoss,
  jobs: (FrameJob & { startAfter?: Date | null })[],
  opts: { client?: pg.PoolClient } = {},
): Promise<void> {
  for (let i = 0; i < jobs.length; i += INSERT_SLICE) {
    const slice = jobs
      .slice(i, i + INSERT_SLICE)
      .map(({ startAfter, ...data }) => (startAfter ? { data, startAfter } : { data }));
    await boss.insert(QUEUES.enhance, slice, opts.client ? { db: onTransaction(opts.client) } : undefined);
  }
}
