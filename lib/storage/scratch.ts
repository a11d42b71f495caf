import { mkdir, mkdtemp, readdir, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { createWriteStream } from "node:fs";
import { isAlive } from "@/lib/server/process-alive";
import type { Storage } from "./storage";

// A worker's only local disk: SCRATCH_DIR, with a budget SCRATCH_MAX_BYTES.
// Frames and outputs never land here (they go through pipes between ffmpeg
// and storage, lib/media/storage-media.ts); what does is small and per job:
// the captions file for encode, the audio track for a transcriber that reads
// a file. Each job gets its own folder, removed when the job ends; a folder
// left by a worker that was killed is removed by the next worker on the
// machine (by pid: each process has its own subfolder).

export class ScratchFullError extends Error {
  override name = "ScratchFullError";
  readonly code = "scratch_full";
}

export class Scratch {
  private readonly processDir: string;
  private peak = 0;

  constructor(
    readonly dir: string,
    readonly maxBytes: number,
  ) {
    this.processDir = path.join(dir, `${os.hostname()}-${process.pid}`);
  }

  /** Removes the folders of this machine's workers that are no longer running. */
  async removeLeftovers(): Promise<void> {
    const prefix = `${os.hostname()}-`;
    for (const name of await readdir(this.dir).catch(() => [] as string[])) {
      if (!name.startsWith(prefix)) continue;
      const pid = Number(name.slice(prefix.length));
      if (Number.isInteger(pid) && pid !== process.pid && !isAlive(pid)) await rm(path.join(this.dir, name), { recursive: true, force: true });
    }
  }

  /** A fresh folder for one job; remove it with release(). */
  async workspace(label: string): Promise<{ dir: string; release: () => Promise<void> }> {
    await mkdir(this.processDir, { recursive: true });
    const dir = await mkdtemp(path.join(this.processDir, `${label}-`));
    return { dir, release: () => rm(dir, { recursive: true, force: true }) };
  }

  /** Bytes under SCRATCH_DIR used by this process now. */
  async usedBytes(): Promise<number> {
    let total = 0;
    for (const entry of await readdir(this.processDir, { withFileTypes: true, recursive: true }).catch(() => [])) {
      if (entry.isFile()) total += (await stat(path.join(entry.parentPath, entry.name)).catch(() => null))?.size ?? 0;
    }
    return total;
  }

  /** The most this process has held at once (measured at each reservation). */
  get peakBytes(): number {
    return this.peak;
  }

  /** Refuses, with a sentence, a file that would take scratch past its budget. */
  async reserve(bytes: number, what: string): Promise<void> {
    const used = await this.usedBytes();
    if (used + bytes > this.maxBytes) {
      throw new ScratchFullError(
        `${what} (${bytes} bytes) does not fit in the worker's scratch space: ${used} of ${this.maxBytes} bytes are in use (SCRATCH_DIR=${this.dir}); raise SCRATCH_MAX_BYTES.`,
      );
    }
    this.peak = Math.max(this.peak, used + bytes);
  }

  /** Copies an object into the workspace, within the budget; null when there is no such object. */
  async download(storage: Storage, key: string, into: string, what: string): Promise<string | null> {
    const info = await storage.head(key);
    if (!info) return null;
    await this.reserve(info.size, what);
    const file = path.join(into, path.basename(key));
    const body = await storage.stream(key);
    if (!body) return null;
    await pipeline(body, createWriteStream(file));
    return file;
  }
}
