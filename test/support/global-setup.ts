import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { startEmbeddedDatabase, type EmbeddedDatabase } from "../../lib/db/embedded";
import { migrate } from "../../lib/db/migrate";
import { freePort } from "./ports";

// One PostgreSQL for the run (TEST_DATABASE_URL, else an embedded one under
// the system temp dir) and one migrated template database; each test file
// clones the template into a database of its own (test/support/db.ts).
export const TEMPLATE_DB = "framewise_test_template";

let embedded: EmbeddedDatabase | undefined;
let dataDir: string | undefined;

export default async function setup(project: TestProject) {
  let serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) {
    // A cluster of its own per run (initdb takes ~2 s), so two runs at once
    // (two terminals, or a run while CI runs) never stop each other's server.
    dataDir = await mkdtemp(path.join(os.tmpdir(), "framewise-test-pg-"));
    await chmod(dataDir, 0o755);
    embedded = await startEmbeddedDatabase({
      dataDir: path.join(dataDir, "pg"),
      port: process.env.TEST_PG_PORT ? Number(process.env.TEST_PG_PORT) : await freePort(),
      database: "postgres",
    });
    serverUrl = embedded.url;
  }
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  // Databases left by an earlier run that was killed.
  const { rows } = await admin.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'framewise_test_%'");
  for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${TEMPLATE_DB}"`);
  await admin.end();
  await migrate(withDatabase(serverUrl, TEMPLATE_DB));
  project.provide("testServerUrl", serverUrl);
  return async () => {
    await embedded?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  };
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

declare module "vitest" {
  export interface ProvidedContext {
    testServerUrl: string;
  }
}
