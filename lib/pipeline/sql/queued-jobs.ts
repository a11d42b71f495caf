import "server-only";
import type { Db } from "@/lib/db/client";

/** Drops the queued (not yet active) jobs of a video: after a delete they would only drain as no-ops. */
export async function dropQueuedJobs(db: Db, videoId: string): Promise<void> {
  await db.query(`DELETE FROM pgboss.job WHERE state IN ('created', 'retry') AND data->>'videoId' = $1`, [videoId]);
}
