import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { copyFile, mkdir, open, readdir, rename, rm, stat, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { assertSafeKey } from "./keys";
import { StorageConfigError, type ByteRange, type Storage, type StorageUsage } from "./storage";

// The local backend: key "videos/<id>/frames/000001.jpg" is the file
// DATA_DIR/videos/<id>/frames/000001.jpg, the layout Framewise always had.
//
// Small objects (frames) are read and written with synchronous calls on
// purpose: the async fs API pays a libuv thread-pool round trip per syscall
// (open, fstat, read, close, ...); measured for 256-byte files, async read +
// write + rename ran at ~4,000 frames/s against ~12,000 frames/s synchronous.
// A frame blocks the event loop for well under a millisecond. Streams (the
// source, the output) stay asynchronous.

export function localStorage(root: string): Storage {
  const file = (key: string) => {
    assertSafeKey(key);
    return path.join(root, key);
  };
  const made = new Set<string>();
  const ensureDirSync = (dir: string) => {
    if (made.has(dir)) return;
    mkdirSync(dir, { recursive: true });
    if (made.size > 10_000) made.clear();
    made.add(dir);
  };
  const tempOf = (target: string) => `${target}.${randomBytes(4).toString("hex")}.tmp`;

  return {
    kind: "local",
    location: root,
    async put(key, body) {
      const target = file(key);
      const temp = tempOf(target);
      if (Buffer.isBuffer(body)) {
        try {
          ensureDirSync(path.dirname(target));
          writeFileSync(temp, body);
          renameSync(temp, target);
        } catch (error) {
          // The folder went away under a cached mkdir (a video deleted and its key reused): once more.
          if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
          made.delete(path.dirname(target));
          ensureDirSync(path.dirname(target));
          writeFileSync(temp, body);
          renameSync(temp, target);
        }
        return;
      }
      await mkdir(path.dirname(target), { recursive: true });
      try {
        await pipeline(body, createWriteStream(temp));
        await rename(temp, target);
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
    },
    async sync(keys) {
      // The files in parallel (the thread pool), then each folder once: one
      // batch of frames costs one directory fsync, which keeps it affordable.
      const targets = keys.map(file);
      await Promise.all(targets.map(fsyncPath));
      await Promise.all([...new Set(targets.map((t) => path.dirname(t)))].map(fsyncPath));
    },
    async putFile(key, source) {
      const target = file(key);
      await mkdir(path.dirname(target), { recursive: true });
      const temp = tempOf(target);
      try {
        // Same file system (an upload under DATA_DIR): a rename, not a copy of many GB.
        await rename(source, temp).catch(async (error: NodeJS.ErrnoException) => {
          if (error.code !== "EXDEV") throw error;
          await copyFile(source, temp);
          await unlink(source);
        });
        await rename(temp, target);
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
    },
    async get(key) {
      try {
        return readFileSync(file(key));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
        throw error;
      }
    },
    async stream(key, range?: ByteRange) {
      const target = file(key);
      const info = await stat(target).catch(() => null);
      if (!info?.isFile()) return null;
      return createReadStream(target, range ? { start: range.start, end: range.end } : {}) as Readable;
    },
    async head(key) {
      const info = await stat(file(key)).catch(() => null);
      return info?.isFile() ? { size: info.size, modified: info.mtime } : null;
    },
    async copy(from, to) {
      const target = file(to);
      await mkdir(path.dirname(target), { recursive: true });
      const temp = tempOf(target);
      await copyFile(file(from), temp);
      await rename(temp, target);
    },
    async delete(key) {
      await rm(file(key), { force: true });
    },
    async deletePrefix(prefix) {
      const dir = file(prefix.replace(/\/$/, ""));
      const usage = await walkUsage(dir);
      // A writer that has not noticed the video is gone yet (an ffmpeg being
      // killed) can add files while the tree is walked (ENOTEMPTY): retried.
      await rm(dir, { recursive: true, force: true, maxRetries: 8, retryDelay: 250 });
      made.clear();
      return usage;
    },
    usage: (prefix) => walkUsage(file(prefix.replace(/\/$/, ""))),
    async mediaInput(key) {
      return file(key);
    },
    async check() {
      const probe = path.join(root, `.framewise-write-check-${randomBytes(4).toString("hex")}`);
      try {
        await mkdir(root, { recursive: true });
        await writeFile(probe, "ok");
        await rm(probe, { force: true });
      } catch (error) {
        throw new StorageConfigError(`Local storage at ${root} (DATA_DIR) is not writable: ${(error as Error).message}`);
      }
    },
  };
}

async function fsyncPath(target: string): Promise<void> {
  const handle = await open(target, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function walkUsage(dir: string): Promise<StorageUsage> {
  const total: StorageUsage = { objects: 0, bytes: 0 };
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const info = await stat(path.join(entry.parentPath, entry.name)).catch(() => null);
    if (!info) continue;
    total.objects++;
    total.bytes += info.size;
  }
  return total;
}

