import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { waitFor } from "@/test/support/wait";
import { recordFile, stopOrphans, writeStartRecord } from "./start-orphans";

const spawned: ChildProcess[] = [];
afterAll(() => {
  for (const c of spawned) {
    try {
      process.kill(-c.pid!, "SIGKILL");
    } catch {
      // gone
    }
  }
});

const running = (pid: number) => {
  try {
    return !/^\d+ \(.*\) [ZX]/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
};

/** A stand-in for the web server or the worker: its own process group, with a child of its own (as next has). */
function longRunning(marker: string, opts: { ignoreTerm?: boolean } = {}): ChildProcess {
  const script = `${opts.ignoreTerm ? "process.on('SIGTERM', () => {});" : ""} require('child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', '${marker}-grandchild'], { stdio: 'ignore' }); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ["-e", script, marker], { detached: true, stdio: "ignore" });
  spawned.push(child);
  return child;
}

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((r) => child.on("exit", r));
  return child.pid!;
}

function grandchildOf(marker: string): number | null {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(`${marker}-grandchild`)) return Number(entry);
    } catch {
      // gone
    }
  }
  return null;
}

describe("npm start after an npm start that was killed -9", () => {
  it("stops the web server and worker it left running (and their children), leaves a reused pid alone", async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "framewise-start-"));
    afterAll(() => rm(dataDir, { recursive: true, force: true }));
    const web = longRunning("fw-test-web");
    const worker = longRunning("fw-test-worker", { ignoreTerm: true }); // a worker that does not stop on SIGTERM gets SIGKILL
    const stranger = longRunning("fw-test-stranger");
    await waitFor(async () => grandchildOf("fw-test-web") !== null && grandchildOf("fw-test-worker") !== null, { what: "the children to start" });
    const webChild = grandchildOf("fw-test-web")!;
    writeStartRecord(dataDir, {
      pid: await deadPid(),
      marker: "scripts/start.ts",
      children: [
        { name: "web server", pid: web.pid!, marker: "fw-test-web" },
        { name: "worker", pid: worker.pid!, marker: "fw-test-worker" },
        // The pid was reused by another program: its command line does not match.
        { name: "old worker", pid: stranger.pid!, marker: "worker/main.ts" },
      ],
    });

    const stopped = await stopOrphans(dataDir, { graceMs: 1000 });
    expect(stopped).toEqual(["web server", "worker"]);
    await waitFor(async () => !running(web.pid!) && !running(worker.pid!) && !running(webChild), { what: "the orphans to be gone" });
    expect(running(stranger.pid!)).toBe(true);
    expect(existsSync(recordFile(dataDir))).toBe(false);
  });

  it("refuses to start while the npm start of the record is still running", async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "framewise-start-"));
    afterAll(() => rm(dataDir, { recursive: true, force: true }));
    const other = longRunning("scripts/start.ts");
    writeStartRecord(dataDir, { pid: other.pid!, marker: "scripts/start.ts", children: [] });
    await expect(stopOrphans(dataDir)).rejects.toThrow(/another npm start \(process \d+\) is running/);
  });
});
