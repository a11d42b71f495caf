import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { startEmbeddedDatabase } from "@/lib/db/embedded";
import { freePort } from "./support/ports";


const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function answers(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url });
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

describe("the embedded PostgreSQL", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "framewise-embedded-"));
  await chmod(dir, 0o755);
  const dataDir = path.join(dir, "pg");
  const port = await freePort();
  const pidFile = path.join(dataDir, "postmaster.pid");
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("adopts a server left running by a SIGKILLed parent, and stops it", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(process.cwd(), "test/support/embedded-child.ts"), dataDir, String(port)], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on("data", (d: Buffer) => d.toString().includes("READY") && resolve());
      child.on("exit", (code) => reject(new Error(`child exited ${code}`)));
    });
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    const orphan = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
    expect(alive(orphan)).toBe(true);

    const logs: string[] = [];
    const db = await startEmbeddedDatabase({ dataDir, port, log: (m) => logs.push(m) });
    expect(logs.join("\n")).toMatch(/adopting/);
    expect(await answers(db.url)).toBe(true);
    await db.stop();
    expect(alive(orphan)).toBe(false);
  }, 120_000);

  it("recovers from a stale postmaster.pid whose process is gone", async () => {
    expect(existsSync(pidFile)).toBe(false);
    writeFileSync(pidFile, `999999\n${dataDir}\n0\n${port}\n`);
    const logs: string[] = [];
    const db = await startEmbeddedDatabase({ dataDir, port, log: (m) => logs.push(m) });
    expect(logs.join("\n")).toMatch(/stale postmaster\.pid/);
    expect(await answers(db.url)).toBe(true);
    await db.stop();
  }, 120_000);
});
