import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, unlink, writeFile } from "node:fs/promises";
import { execFileSync } from "node:child_process";
import { createWriteStream } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inspectFile, makeClip, makeFrames, makeOddTimestampClip } from "@/test/support/clips";
import { ffmpegProcessesMentioning } from "@/test/support/processes";
import { MediaError } from "./errors";
import { encodeVideo, extractAudio, extractFrames } from "./ffmpeg";

let dir: string;
let clip: string;
let framesDir: string;
let audio: string;
const extractProgress: [number, number][] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "framewise-ffmpeg-"));
  clip = await makeClip({ path: path.join(dir, "clip.mp4"), seconds: 2, fps: 30 });
  framesDir = path.join(dir, "frames");
  audio = path.join(dir, "audio.m4a");
  // A frame file left behind by an interrupted earlier run.
  await mkdir(framesDir, { recursive: true });
  await writeFile(path.join(framesDir, "000099.jpg"), "stale");
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable("expected a rejection"),
    (e: unknown) => e,
  );
}

function expectIncreasing(calls: [number, number][], total: number) {
  expect(calls.length).toBeGreaterThan(0);
  for (let i = 1; i < calls.length; i++) expect(calls[i]![0]).toBeGreaterThan(calls[i - 1]![0]);
  for (const [done, estimate] of calls) expect(done).toBeLessThanOrEqual(estimate);
  expect(calls.at(-1)).toEqual([total, total]);
}

/** ffmpeg processes whose command line mentions `needle` (Linux /proc). */
describe("extractFrames", () => {
  it("writes one 0-based JPEG per frame and reports honest progress", async () => {
    const { frameCount } = await extractFrames({
      source: clip,
      framesDir,
      onProgress: (done, total) => void extractProgress.push([done, total]),
    });
    expect(frameCount).toBe(60);
    const files = (await readdir(framesDir)).sort();
    expect(files).toHaveLength(60);
    expect(files[0]).toBe("000000.jpg");
    expect(files.at(-1)).toBe("000059.jpg");
    expectIncreasing(extractProgress, 60);
  });
});

describe("odd timestamps", () => {
  for (const container of ["mkv", "mp4"] as const) {
    it(`extracts every frame of recordings joined end to end (timestamps back and repeating, ${container})`, async () => {
      const joined = await makeOddTimestampClip(path.join(dir, `joined.${container}`), container);
      const out = path.join(dir, `joined-${container}-frames`);
      const { frameCount } = await extractFrames({ source: joined, framesDir: out });
      expect(frameCount).toBe(120);
      expect((await readdir(out)).length).toBe(120);
    });
  }
});

describe("extractAudio", () => {
  it("writes the audio track as AAC in an .m4a", async () => {
    expect(await extractAudio({ source: clip, output: audio })).toBe(true);
    const inspected = await inspectFile(audio);
    expect(inspected.audio?.codec).toBe("aac");
    expect(inspected.video).toBeNull();
    expect(inspected.durationSec).toBeCloseTo(2, 1);
  });

  it("answers false and writes nothing for a video without audio", async () => {
    const silent = await makeClip({ path: path.join(dir, "silent.mp4"), seconds: 1, audio: false });
    const output = path.join(dir, "silent-audio.m4a");
    expect(await extractAudio({ source: silent, output })).toBe(false);
    await expect(readFile(output)).rejects.toThrow(/ENOENT/);
  });
});

describe("encodeVideo", () => {
  it("reassembles the frames at the source rate with the audio", async () => {
    const output = path.join(dir, "out", "output.mp4");
    const calls: [number, number][] = [];
    const result = await encodeVideo({
      framesDir,
      fpsNum: 30,
      fpsDen: 1,
      frameCount: 60,
      audio,
      output,
      onProgress: (done, total) => void calls.push([done, total]),
    });
    expect(result).toEqual({ frameCount: 60, durationSec: 2 });
    const inspected = await inspectFile(output);
    expect(inspected.video).toMatchObject({ codec: "h264", width: 320, height: 240, frames: 60, fps: "30/1" });
    expect(inspected.audio?.codec).toBe("aac");
    expect(Math.abs(inspected.durationSec - 2)).toBeLessThanOrEqual(1 / 30);
    expectIncreasing(calls, 60);
    expect(await readdir(path.dirname(output))).toEqual(["output.mp4"]); // no temp file left
  });

  it("muxes WebVTT captions as a mov_text track", async () => {
    const captions = path.join(dir, "captions.vtt");
    await writeFile(captions, "WEBVTT\n\n00:00:00.000 --> 00:00:01.500\nHello there\n");
    const output = path.join(dir, "captioned.mp4");
    await encodeVideo({ framesDir, fpsNum: 30, fpsDen: 1, frameCount: 60, audio, captions, output });
    const inspected = await inspectFile(output);
    expect(inspected.subtitle?.codec).toBe("mov_text");
    expect(inspected.audio?.codec).toBe("aac");
    expect(inspected.video?.frames).toBe(60);
  });

  it("makes odd-sized frames even", async () => {
    const oddDir = await makeFrames({ dir: path.join(dir, "odd"), count: 10, width: 321, height: 241 });
    const output = path.join(dir, "odd.mp4");
    await encodeVideo({ framesDir: oddDir, fpsNum: 25, fpsDen: 1, frameCount: 10, output });
    expect((await inspectFile(output)).video).toMatchObject({ width: 320, height: 240, frames: 10 });
  });

  it("keeps an exact NTSC rate", async () => {
    const output = path.join(dir, "ntsc.mp4");
    await encodeVideo({ framesDir, fpsNum: 30000, fpsDen: 1001, frameCount: 60, output });
    const inspected = await inspectFile(output);
    expect(inspected.video).toMatchObject({ frames: 60, fps: "30000/1001" });
    expect(inspected.durationSec).toBeCloseTo(60 * 1001 / 30000, 2);
  });

  it("refuses to encode when a frame is missing, and writes nothing", async () => {
    const gappy = path.join(dir, "gappy");
    await mkdir(gappy);
    for (const i of [0, 1, 3]) await copyFile(path.join(framesDir, "000000.jpg"), path.join(gappy, `00000${i}.jpg`));
    const output = path.join(dir, "gappy.mp4");
    const error = await failure(encodeVideo({ framesDir: gappy, fpsNum: 30, fpsDen: 1, frameCount: 4, output }));
    expect(error).toMatchObject({ code: "frames_missing", message: expect.stringMatching(/1 of 4 frames are missing \(2\)/) });
    await expect(readFile(output)).rejects.toThrow(/ENOENT/);
  });

  it("reports an ffmpeg failure with its stderr and leaves no output behind", async () => {
    const broken = path.join(dir, "broken");
    await mkdir(broken);
    await writeFile(path.join(broken, "000000.jpg"), "not a jpeg");
    const output = path.join(dir, "broken-out", "broken.mp4");
    const error = await failure(encodeVideo({ framesDir: broken, fpsNum: 30, fpsDen: 1, frameCount: 1, output }));
    expect(error).toBeInstanceOf(MediaError);
    expect((error as MediaError).code).toBe("ffmpeg_failed");
    expect((error as MediaError).detail?.length ?? 0).toBeGreaterThan(0);
    expect((error as MediaError).detail!.length).toBeLessThanOrEqual(2048);
    expect(await readdir(path.dirname(output))).toEqual([]);
  });

  it("passes on the progress callback's own error and stops ffmpeg", async () => {
    const output = path.join(dir, "callback.mp4");
    const error = await failure(
      encodeVideo({
        framesDir,
        fpsNum: 30,
        fpsDen: 1,
        frameCount: 60,
        output,
        onProgress: async () => {
          throw new Error("progress store is down");
        },
      }),
    );
    expect((error as Error).message).toBe("progress store is down");
    await expect(readFile(output)).rejects.toThrow(/ENOENT/);
  });
});

describe("abort", () => {
  it("kills ffmpeg when the signal aborts", async () => {
    const long = await makeClip({ path: path.join(dir, "long.mp4"), seconds: 12, width: 640, height: 480, audio: false });
    const longFrames = path.join(dir, "long-frames");
    const controller = new AbortController();
    let abortedAt = 0;
    const error = await failure(
      extractFrames({
        source: long,
        framesDir: longFrames,
        frameCountEstimate: 360,
        onProgress: () => {
          if (!abortedAt) {
            abortedAt = Date.now();
            controller.abort();
          }
        },
        signal: controller.signal,
      }),
    );
    expect(error).toMatchObject({ code: "aborted" });
    expect(Date.now() - abortedAt).toBeLessThan(2000); // not "after ffmpeg finished"
    expect(await ffmpegProcessesMentioning(longFrames)).toEqual([]);
    const written = (await readdir(longFrames)).length;
    expect(written).toBeLessThan(360);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await readdir(longFrames)).length).toBe(written); // nothing is still writing
  });

  it("kills an ffmpeg that makes no progress (its input stopped coming) with ffmpeg_stalled", async () => {
    // A source that stops half-way without ending: a FIFO we write part of a clip into and keep open.
    const fifo = path.join(dir, "stalled.fifo");
    execFileSync("mkfifo", [fifo]);
    const bytes = await readFile(clip);
    const writer = createWriteStream(fifo);
    writer.write(bytes.subarray(0, Math.floor(bytes.length / 3)));
    try {
      const stalledFrames = path.join(dir, "stalled-frames");
      const error = await failure(extractFrames({ source: fifo, framesDir: stalledFrames, frameCountEstimate: 60, stallSeconds: 2 }));
      expect(error).toMatchObject({ code: "ffmpeg_stalled", message: expect.stringMatching(/no progress for 2 s/) });
      expect(await ffmpegProcessesMentioning(stalledFrames)).toEqual([]);
    } finally {
      writer.destroy();
    }
  });

  it("does not start ffmpeg when the signal is already aborted", async () => {
    const output = path.join(dir, "never.mp4");
    const error = await failure(
      encodeVideo({ framesDir, fpsNum: 30, fpsDen: 1, frameCount: 60, output, signal: AbortSignal.abort() }),
    );
    expect(error).toMatchObject({ code: "aborted" });
    await expect(unlink(output)).rejects.toThrow(/ENOENT/);
  });
});
