// What `npm start` leaves behind when it is itself killed -9: its web server
// and worker keep running (they are their own process groups, so Ctrl-C in
// the terminal reaches `npm start` only, which stops them in order). It
// records them in DATA_DIR/framewise-start.json; the next `npm start` reads
// that file and stops the ones still running before it starts anew, as the
// embedded database already does with its postmaster.pid.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

export interface StartRecord {
  /** The `npm start` process (scripts/start.ts) and a piece of its command line. */
  pid: number;
  marker: string;
  children: { name: string; pid: number; /** A piece of its command line, so a reused pid is never killed. */ marker: string }[];
}

export const recordFile = (dataDir: string) => path.join(dataDir, "framewise-start.json");

export function writeStartRecord(dataDir: string, record: StartRecord): void {
  writeFileSync(recordFile(dataDir), JSON.stringify(record, null, 2));
}

export function removeStartRecord(dataDir: string, pid: number): void {
  const record = readStartRecord(dataDir);
  if (record?.pid === pid) rmSync(recordFile(dataDir), { force: true });
}

function readStartRecord(dataDir: string): StartRecord | null {
  try {
    return JSON.parse(readFileSync(recordFile(dataDir), "utf8")) as StartRecord;
  } catch {
    return null;
  }
}

function commandLine(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return null;
  }
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^\d+ \(.*\) [ZX]/.test(stat);
  } catch {
    return false;
  }
}

/**
 * Stops what an earlier `npm start` on this DATA_DIR left running. Throws if
 * that `npm start` is itself still running (two on one DATA_DIR would fight
 * over the port and the database). Each orphan's whole process group gets
 * SIGTERM (the worker finishes or hands back its frames), then SIGKILL after
 * `graceMs`. Returns the names of what was stopped.
 */
export async function stopOrphans(dataDir: string, opts: { graceMs?: number; log?: (m: string) => void } = {}): Promise<string[]> {
  const record = readStartRecord(dataDir);
  if (!record) return [];
  if (record.pid !== process.pid && running(record.pid) && commandLine(record.pid)?.includes(record.marker)) {
    throw new Error(`another npm start (process ${record.pid}) is running on ${dataDir}; stop it first`);
  }
  const orphans = record.children.filter((c) => running(c.pid) && commandLine(c.pid)?.includes(c.marker));
  for (const orphan of orphans) {
    opts.log?.(`stopping the ${orphan.name} (process ${orphan.pid}) left running by an earlier npm start`);
    signalGroup(orphan.pid, "SIGTERM");
  }
  const deadline = Date.now() + (opts.graceMs ?? 30_000);
  while (orphans.some((o) => running(o.pid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const orphan of orphans) signalGroup(orphan.pid, "SIGKILL");
  rmSync(recordFile(dataDir), { force: true });
  return orphans.map((o) => o.name);
}

function signalGroup(pid: number, signal: NodeJS.Signals) {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}
