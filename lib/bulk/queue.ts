import type { PgBoss } from "pg-boss";
import type pg from "pg";
import { z } from "zod";
import { onTransaction } from "@/lib/queue/boss";

// One job per bulk operation. The operation's row is the truth (position,
// counters), so a repeated or retried job resumes where the last one left.
export const BULK_QUEUE = "bulk";
export const bulkJob = z.object({ bulkId: z.string().uuid() });

export async function ensureBulkQueue(boss: PgBoss): Promise<void> {
  if (await boss.getQueue(BULK_QUEUE)) return;
  await boss.createQueue(BULK_QUEUE, { retryLimit: 5, retryDelay: 10, expireInSeconds: 3600, heartbeatSeconds: 30 }).catch(async (error) => {
    if (!(await boss.getQueue(BULK_QUEUE))) throw error;
  });
}

export async function sendBulkJob(boss: PgBoss, bulkId: string, client: pg.PoolClient): Promise<void> {
  await boss.send(BULK_QUEUE, { bulkId }, { db: onTransaction(client) });
}
