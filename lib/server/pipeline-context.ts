import "server-only";
import type { PgBoss } from "pg-boss";
import { pool } from "@/lib/db/client";
import { databaseUrl, env } from "@/lib/env";
import type { PipelineContext } from "@/lib/pipeline/context";
import { createBoss, createQueues } from "@/lib/queue/boss";
import { checkedProcessStorage } from "@/lib/storage/open-storage";
import { Scratch } from "@/lib/storage/scratch";

// The web process only sends jobs: a pg-boss instance without workers,
// maintenance or schedules (the workers run those), one per process.
const globalForBoss = globalThis as unknown as { fwBoss?: Promise<PgBoss> };

async function startSender(): Promise<PgBoss> {
  const boss = createBoss(databaseUrl(), { max: 3, supervise: false });
  boss.on("error", (error) => console.error("[web] queue error:", (error as Error).message));
  await boss.start();
  await createQueues(boss);
  return boss;
}

export async function pipelineContext(): Promise<PipelineContext> {
  globalForBoss.fwBoss ??= startSender().catch((error) => {
    globalForBoss.fwBoss = undefined;
    throw error;
  });
  const e = env();
  return {
    pool: pool(),
    boss: await globalForBoss.fwBoss,
    dataDir: e.DATA_DIR,
    storage: await checkedProcessStorage(e),
    scratch: new Scratch(e.SCRATCH_DIR, e.SCRATCH_MAX_BYTES),
    frameMaxAttempts: e.FRAME_MAX_ATTEMPTS,
  };
}
