import { env } from "../lib/env";
import { startEmbeddedDatabase } from "../lib/db/embedded";

/** Runs fn against DATABASE_URL, or against the embedded database (started for the call when needed). */
export async function withDatabase<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const { DATABASE_URL, DATA_DIR, EMBEDDED_PG_PORT } = env();
  if (DATABASE_URL) return fn(DATABASE_URL);
  const db = await startEmbeddedDatabase({ dataDir: `${DATA_DIR}/postgres`, port: EMBEDDED_PG_PORT, log: console.log });
  try {
    return await fn(db.url);
  } finally {
    await db.stop();
  }
}
