import type { PgBoss } from "pg-boss";
import type pg from "pg";
import type { Scratch } from "@/lib/storage/scratch";
import type { Storage } from "@/lib/storage/storage";

/** What pipeline code with side effects needs: the database, the queue, where a video's files live and the worker's scratch space. */
export interface PipelineContext {
  pool: pg.Pool;
  boss: PgBoss;
  dataDir: string;
  storage: Storage;
  scratch: Scratch;
  frameMaxAttempts: number;
  /** Backoff scale of stage retries (lib/pipeline/outcome.ts STAGE_RETRY_BASE_MS when unset; tests shorten it). */
  stageRetryBaseMs?: number;
}
