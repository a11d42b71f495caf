import type { PgBoss } from "pg-boss";
import type pg from "pg";

/** What pipeline code with side effects needs: the database, the queue and where files live. */
export interface PipelineContext {
  pool: pg.Pool;
  boss: PgBoss;
  dataDir: string;
  frameMaxAttempts: number;
  /** Backoff scale of stage retries (lib/pipeline/outcome.ts STAGE_RETRY_BASE_MS when unset; tests shorten it). */
  stageRetryBaseMs?: number;
}
