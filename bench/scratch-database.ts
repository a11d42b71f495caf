import pg from "pg";

// BENCH_DATABASE_URL: an admin URL of a PostgreSQL (default: the local one)
// where a benchmark creates its own database and drops it at the end.
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** A fresh database named `<prefix>_<pid>`; drop() removes it (even with connections left open). */
export async function createScratchDatabase(prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const dbName = `${prefix}_${process.pid}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(dbName)}`);
  return {
    url: ADMIN_URL.replace(/\/[^/]*$/, `/${dbName}`),
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(dbName)} WITH (FORCE)`).catch(() => {});
      await admin.end();
    },
  };
}
