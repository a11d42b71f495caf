import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, inject } from "vitest";
import { TEMPLATE_DB, withDatabase } from "./global-setup";

/**
 * A fresh, migrated database for the calling test file (a clone of the
 * template the global setup migrated), dropped after the file's tests.
 * Returns its URL and a pool on it.
 */
export async function createTestDatabase(): Promise<{ url: string; pool: pg.Pool; name: string }> {
  const serverUrl = inject("testServerUrl");
  const name = `framewise_test_${randomBytes(5).toString("hex")}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${TEMPLATE_DB}"`);
  await admin.end();
  const url = withDatabase(serverUrl, name);
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  pool.on("error", () => {});
  afterAll(async () => {
    await pool.end();
    const a = new pg.Client({ connectionString: serverUrl });
    await a.connect();
    await a.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await a.end();
  });
  return { url, pool, name };
}
