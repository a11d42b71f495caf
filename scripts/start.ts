// `npm start`: database (embedded unless DATABASE_URL), migrations, admin
// account, production build when missing or stale, then the web server and
// one worker. Ctrl-C (or SIGTERM) stops all of it, the embedded database too.
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { ensureAdmin } from "../lib/auth/admin";
import { startEmbeddedDatabase, type EmbeddedDatabase } from "../lib/db/embedded";
import { migrate } from "../lib/db/migrate";
import { env, EnvError } from "../lib/env";
import { removeStartRecord, stopOrphans, writeStartRecord } from "./start-orphans";
import { processStorage } from "../lib/storage/open-storage";
import { StorageConfigError } from "../lib/storage/storage";
import { workerNodeArgs } from "../worker/node-args";

const root = path.resolve(import.meta.dirname, "..");
const bin = (name: string) => path.join(root, "node_modules", ".bin", name);
const log = (m: string) => console.log(`[framewise] ${m}`);

const children: ChildProcess[] = [];
let database: EmbeddedDatabase | undefined;
let stopping = false;
let dataDir: string | undefined;

async function main() {
  const e = env();
  dataDir = e.DATA_DIR;
  mkdirSync(e.DATA_DIR, { recursive: true });
  const stopped = await stopOrphans(e.DATA_DIR, { log });
  if (stopped.length) log(`stopped ${stopped.join(" and ")} left running by an earlier npm start`);
  // Storage first: a wrong bucket or key is said in one sentence before anything starts.
  const storage = processStorage(e);
  await storage.check();
  log(`storage: ${storage.kind} (${storage.location})`);
  let databaseUrl = e.DATABASE_URL;
  if (!databaseUrl) {
    database = await startEmbeddedDatabase({ dataDir: path.join(e.DATA_DIR, "postgres"), port: e.EMBEDDED_PG_PORT, log });
    databaseUrl = database.url;
    log(`embedded PostgreSQL on port ${e.EMBEDDED_PG_PORT} (data in ${path.join(e.DATA_DIR, "postgres")})`);
  }
  const applied = await migrate(databaseUrl);
  if (applied.length) log(`applied migrations: ${applied.join(", ")}`);
  const admin = await withClient(databaseUrl, (c) => ensureAdmin(c, { email: e.ADMIN_EMAIL, password: e.ADMIN_PASSWORD }));

  await buildIfStale();
  const childEnv: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: databaseUrl, DATA_DIR: e.DATA_DIR, NODE_ENV: "production" };
  children.push(run("web", bin("next"), ["start", "-p", String(e.PORT)], childEnv));
  // node itself with tsx's loader (not the tsx wrapper), so the process we
  // signal and wait for is the worker, and PostgreSQL stops only after it.
  // react-server: the server modules it imports are marked server-only (a component importing them fails the build).
  children.push(run("worker", process.execPath, workerNodeArgs(root), childEnv));
  writeStartRecord(e.DATA_DIR, {
    pid: process.pid,
    marker: process.argv[1] ?? "start",
    children: [
      { name: "web server", pid: children[0]!.pid!, marker: "next" },
      { name: "worker", pid: children[1]!.pid!, marker: path.join("worker", "main.ts") },
    ],
  });

  const url = `http://localhost:${e.PORT}`;
  await waitForHealth(`${url}/api/health`);
  log(`ready: ${url}`);
  if (admin.generatedPassword) {
    log(`first start: an admin account was created. Sign in with\n\n    email:    ${admin.email}\n    password: ${admin.generatedPassword}\n\n  This password is shown only once (it is stored hashed). Set ADMIN_EMAIL and ADMIN_PASSWORD to choose your own.`);
  } else {
    log(`sign in as ${admin.email}${e.ADMIN_PASSWORD ? " (password from ADMIN_PASSWORD)" : ""}`);
  }
  if (e.API_TOKEN) log("API access: Authorization: Bearer $API_TOKEN");
  log("press Ctrl-C to stop");
}

function run(name: string, command: string, args: string[], childEnv: NodeJS.ProcessEnv): ChildProcess {
  // Its own process group: the next npm start can stop it and what it
  // started (next's own children) as a whole if this one is killed -9.
  const child = spawn(command, args, { cwd: root, env: childEnv, stdio: ["ignore", "inherit", "inherit"], detached: true });
  child.on("exit", (code, signal) => {
    if (stopping) return;
    log(`${name} exited (${signal ?? code}); stopping everything`);
    void shutdown(1);
  });
  return child;
}

// A build is stale when any source file changed since it was made.
async function buildIfStale() {
  const stamp = path.join(root, ".next", "framewise-build-fingerprint");
  const fingerprint = await sourceFingerprint();
  if (existsSync(path.join(root, ".next", "BUILD_ID")) && existsSync(stamp) && readFileSync(stamp, "utf8") === fingerprint) return;
  log("building the web app (first start or sources changed)...");
  const started = Date.now();
  await new Promise<void>((resolve, reject) => {
    const build = spawn(bin("next"), ["build"], { cwd: root, stdio: "inherit", env: { ...process.env, NODE_ENV: "production" } });
    build.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`next build failed (exit ${code})`))));
  });
  writeFileSync(stamp, fingerprint);
  log(`built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

async function sourceFingerprint(): Promise<string> {
  const hash = createHash("sha256");
  const roots = ["app", "components", "lib", "public", "proxy.ts", "next.config.js", "postcss.config.mjs", "package-lock.json", "tsconfig.json"];
  const walk = async (rel: string): Promise<void> => {
    const abs = path.join(root, rel);
    if (!existsSync(abs)) return;
    const s = statSync(abs);
    if (s.isDirectory()) {
      for (const entry of (await readdir(abs)).sort()) {
        if (!/\.test\.tsx?$/.test(entry)) await walk(path.join(rel, entry));
      }
    } else {
      hash.update(`${rel}\0${s.size}\0${s.mtimeMs}\n`);
    }
  };
  for (const r of roots) await walk(r);
  return hash.digest("hex");
}

async function waitForHealth(url: string, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !stopping) {
    const ok = await fetch(url).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`the web server did not become healthy at ${url}`);
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  log("stopping...");
  await Promise.all(children.map((child) => stopChild(child)));
  await database?.stop().catch((error) => log(`could not stop PostgreSQL: ${(error as Error).message}`));
  if (dataDir) removeStartRecord(dataDir, process.pid);
  log("stopped");
  process.exit(code);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill("SIGKILL"), 40_000);
    child.once("exit", () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));

main().catch(async (error) => {
  console.error(error instanceof EnvError || error instanceof StorageConfigError ? error.message : `[framewise] ${(error as Error).stack ?? error}`);
  await shutdown(1);
});
