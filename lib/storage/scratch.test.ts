import { mkdir, mkdtemp, readdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { localStorage } from "./local-storage";
import { Scratch, ScratchFullError } from "./scratch";

describe("a worker's scratch space", async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), "framewise-scratch-test-"));
  const storage = localStorage(path.join(root, "data"));
  await storage.put("videos/v/captions.vtt", Buffer.alloc(4000, 65));
  await storage.put("videos/v/audio.m4a", Buffer.alloc(20_000, 1));

  it("copies an object into a job's folder within the budget, and the folder goes with the job", async () => {
    const scratch = new Scratch(path.join(root, "s1"), 10_000);
    const job = await scratch.workspace("encode");
    const file = await scratch.download(storage, "videos/v/captions.vtt", job.dir, "the captions file");
    expect(file && path.dirname(file)).toBe(job.dir);
    expect(await scratch.usedBytes()).toBe(4000);
    expect(scratch.peakBytes).toBe(4000);
    expect(await scratch.download(storage, "videos/v/missing.vtt", job.dir, "the captions file")).toBeNull();
    await job.release();
    expect(await scratch.usedBytes()).toBe(0);
  });

  it("refuses, with a sentence naming the setting, what would take it past SCRATCH_MAX_BYTES", async () => {
    const scratch = new Scratch(path.join(root, "s2"), 10_000);
    const job = await scratch.workspace("captions");
    await writeFile(path.join(job.dir, "held"), Buffer.alloc(8000));
    const error = await scratch.download(storage, "videos/v/captions.vtt", job.dir, "the captions file").catch((e) => e);
    expect(error).toBeInstanceOf(ScratchFullError);
    expect(error.message).toBe(
      `the captions file (4000 bytes) does not fit in the worker's scratch space: 8000 of 10000 bytes are in use (SCRATCH_DIR=${path.join(root, "s2")}); raise SCRATCH_MAX_BYTES.`,
    );
    expect(await readdir(job.dir)).toEqual(["held"]);
    await job.release();
  });

  it("removes the folders of this machine's dead workers, not its own", async () => {
    const scratch = new Scratch(path.join(root, "s3"), 10_000);
    const own = await scratch.workspace("encode");
    const dead = path.join(root, "s3", `${os.hostname()}-999999999`);
    await mkdir(dead, { recursive: true });
    await writeFile(path.join(dead, "left"), "x");
    await scratch.removeLeftovers();
    expect((await readdir(path.join(root, "s3"))).sort()).toEqual([`${os.hostname()}-${process.pid}`]);
    await own.release();
  });
});
