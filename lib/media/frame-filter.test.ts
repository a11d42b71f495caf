import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import sharp from "sharp";
import { ffmpegPath } from "./binaries";
import { FilterProcessGone, FrameFilterProcess, filterFrameAlone, type FrameFilterOptions } from "./frame-filter";

const options = (): FrameFilterOptions => ({ command: ffmpegPath(), filter: "negate", qscale: 2 });

/** A 64x48 JPEG of one grey level. */
const grey = (level: number) => sharp({ create: { width: 64, height: 48, channels: 3, background: { r: level, g: level, b: level } } }).jpeg({ quality: 95 }).toBuffer();
const meanOf = async (jpeg: Buffer) => (await sharp(jpeg).stats()).channels[0]!.mean;

describe("FrameFilterProcess", () => {
  it("returns a frame before the next one is written", async () => {
    const p = new FrameFilterProcess(options());
    try {
      const out = await p.run(await grey(40));
      expect(await meanOf(out)).toBeGreaterThan(200);
      expect(p.inFlight).toBe(0);
    } finally {
      p.kill("test over");
    }
  });

  it("returns frames in the order they were written, one for one", async () => {
    const levels = Array.from({ length: 24 }, (_, i) => 10 * i);
    const frames = await Promise.all(levels.map(grey));
    const p = new FrameFilterProcess(options());
    try {
      const outs = await Promise.all(frames.map((f) => p.run(f)));
      const means = await Promise.all(outs.map(meanOf));
      means.forEach((mean, i) => expect(mean).toBeCloseTo(255 - levels[i]!, -1));
    } finally {
      p.kill("test over");
    }
  });

  it("rejects every frame in flight when a frame kills ffmpeg; alone, only that frame fails", async () => {
    const good = await grey(100);
    const bad = Buffer.from("this is not a JPEG image at all");
    const p = new FrameFilterProcess(options());
    const results = await Promise.allSettled([p.run(good), p.run(bad), p.run(good)]);
    const rejected = results.filter((r) => r.status === "rejected");
    expect(rejected.length).toBeGreaterThanOrEqual(2);
    for (const r of rejected) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(FilterProcessGone);
    expect(p.alive).toBe(false);
    await expect(p.run(good)).rejects.toBeInstanceOf(FilterProcessGone);

    expect(await meanOf(await filterFrameAlone(options(), good))).toBeCloseTo(155, -1);
    const alone = filterFrameAlone(options(), bad);
    await expect(alone).rejects.toBeInstanceOf(FilterProcessGone);
    await expect(alone).rejects.toMatchObject({ stderr: expect.stringMatching(/\S/) });
  });

  it("a stalled process is killed and its frames rejected", async () => {
    // A "filter" that reads nothing and answers nothing.
    const dir = await mkdtemp(path.join(os.tmpdir(), "frame-filter-"));
    const command = path.join(dir, "hangs.sh");
    await writeFile(command, "#!/bin/sh\nexec sleep 60\n", { mode: 0o755 });
    const p = new FrameFilterProcess({ ...options(), command, stallMs: 1500 });
    const first = p.run(await grey(1));
    const second = p.run(await grey(2));
    const settled = await Promise.allSettled([first, second]);
    expect(settled.some((r) => r.status === "rejected" && /no frame out/.test(String(r.reason.message)))).toBe(true);
    expect(p.alive).toBe(false);
    await rm(dir, { recursive: true, force: true });
  });
});
