import { execFileSync, spawnSync } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { buffer } from "node:stream/consumers";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inspectFile, makeClip, makeFrames } from "@/test/support/clips";
import { ffmpegPath, ffprobePath } from "./binaries";
import { JpegSplitter } from "./jpeg-stream";
import { encodeFrameStream, extractAudioStream, extractFrameStream, rangeFilters } from "./storage-media";

// ffmpeg with its frames and outputs on pipes (what a worker without a
// shared disk runs): real ffmpeg, frames kept in memory by the test.

let dir: string;
let clip: string;
const frames = new Map<number, Buffer>();
let audioFile: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "framewise-pipes-"));
  clip = await makeClip({ path: path.join(dir, "clip.mp4"), seconds: 2, fps: 30 });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const failure = (promise: Promise<unknown>) => promise.then(() => expect.unreachable("expected a rejection"), (e: unknown) => e);

describe("extractFrameStream", () => {
  it("hands over every frame as a whole JPEG, in order, with at most `window` writes in flight", async () => {
    let inFlight = 0;
    let most = 0;
    const progress: number[] = [];
    const { frameCount } = await extractFrameStream({
      input: clip,
      frameCountEstimate: 60,
      window: 3,
      onProgress: (done) => void progress.push(done),
      onFrame: async (index, jpeg) => {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((r) => setTimeout(r, 5)); // storage slower than ffmpeg
        frames.set(index, jpeg);
        inFlight--;
      },
    });
    expect(frameCount).toBe(60);
    expect([...frames.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    for (const i of [0, 31, 59]) expect(await sharp(frames.get(i)!).metadata()).toMatchObject({ format: "jpeg", width: 320, height: 240 });
    expect(most).toBeLessThanOrEqual(3);
    expect(progress.at(-1)).toBe(60);
  });

  it("converts a limited-range yuv420p source to the levels swscale gives", async () => {
    const extract = async (sourcePixFmt?: string) => {
      const out = new Map<number, Buffer>();
      await extractFrameStream({ input: clip, frameCountEstimate: 60, sourcePixFmt, onFrame: async (i, jpeg) => void out.set(i, jpeg) });
      return out;
    };
    const [table, swscale] = await Promise.all([extract("yuv420p"), extract(undefined)]);
    expect(table.size).toBe(60);
    for (const i of [0, 30, 59]) {
      const [a, b] = await Promise.all([sharp(table.get(i)!).stats(), sharp(swscale.get(i)!).stats()]);
      // Levels: a table that left the range limited would lower the mean spread by ~15%.
      for (const c of [0, 1, 2]) {
        expect(Math.abs(a.channels[c]!.mean - b.channels[c]!.mean), `frame ${i} channel ${c} mean`).toBeLessThan(1);
        expect(Math.abs(a.channels[c]!.stdev - b.channels[c]!.stdev), `frame ${i} channel ${c} stdev`).toBeLessThan(1);
      }
    }
  });

  it("converts the range with zscale to the pixels the lookup tables give, both ways", () => {
    const raw = (input: string[], filter: string) =>
      execFileSync(ffmpegPath(), ["-v", "error", ...input, "-vf", filter, "-f", "rawvideo", "-"], { maxBuffer: 64 * 1024 * 1024 });
    const jpegs = path.join(dir, "range.mjpeg");
    execFileSync(ffmpegPath(), ["-v", "error", "-i", clip, "-q:v", "3", "-c:v", "mjpeg", "-f", "image2pipe", jpegs]);
    const [zscale, tables] = [rangeFilters(true), rangeFilters(false)];
    const pairs = [
      [raw(["-i", clip], zscale.limitedToFull), raw(["-i", clip], tables.limitedToFull)],
      [raw(["-f", "image2pipe", "-c:v", "mjpeg", "-i", jpegs], zscale.forX264), raw(["-f", "image2pipe", "-c:v", "mjpeg", "-i", jpegs], tables.forX264)],
    ];
    const luma = 320 * 240;
    const frame = luma * 1.5;
    for (const [a, b] of pairs) {
      expect(a!.length).toBe(60 * frame);
      expect(b!.length).toBe(a!.length);
      let lumaDiffs = 0;
      let chromaMost = 0;
      for (let i = 0; i < a!.length; i++) {
        const d = Math.abs(a![i]! - b![i]!);
        if (i % frame < luma) lumaDiffs += d === 0 ? 0 : 1;
        else chromaMost = Math.max(chromaMost, d);
      }
      // Luma exactly; chroma differs only where the table rounds a tie up (limited 16 -> 1, zscale 0).
      expect(lumaDiffs).toBe(0);
      expect(chromaMost).toBeLessThanOrEqual(1);
    }
  });

  it("kills an ffmpeg that makes no progress (its input stopped coming) with ffmpeg_stalled", async () => {
    // A source that stops half-way without ending: a FIFO we write part of a clip into and keep open.
    const fifo = path.join(dir, "stalled-pipe.fifo");
    execFileSync("mkfifo", [fifo]);
    const bytes = await readFile(clip);
    const writer = createWriteStream(fifo);
    writer.write(bytes.subarray(0, Math.floor(bytes.length / 3)));
    try {
      const error = await failure(extractFrameStream({ input: fifo, frameCountEstimate: 60, stallSeconds: 2, onFrame: async () => {} }));
      expect(error).toMatchObject({ code: "ffmpeg_stalled", message: expect.stringMatching(/no progress for 2 s/) });
      // The whole process group went: no ffmpeg is left reading the FIFO.
      expect(spawnSync("pgrep", ["-f", fifo]).status).toBe(1);
    } finally {
      writer.destroy();
    }
  });

  it("fails with the storage's error, and ffmpeg stops", async () => {
    const error = await failure(extractFrameStream({ input: clip, frameCountEstimate: 60, onFrame: async (i) => { if (i === 5) throw new Error("bucket is gone"); } }));
    expect((error as Error).message).toBe("bucket is gone");
  });

  it("fails with the storage's error when the writes fail while ffmpeg waits on a full pipe", async () => {
    // Window 1: the first frame's write holds the window while ffmpeg fills the
    // pipe (the clip's frames are several times what the pipe buffers), so
    // stdout is paused, with frames unread, when the write fails: the run
    // must still end, with that error.
    const run = extractFrameStream({
      input: clip,
      frameCountEstimate: 60,
      window: 1,
      onFrame: () => new Promise<void>((_, reject) => setTimeout(() => reject(new Error("bucket is gone")), 300)),
    });
    const outcome = await Promise.race([failure(run), new Promise((resolve) => setTimeout(() => resolve(new Error("still running 10 s later")), 10_000))]);
    expect((outcome as Error).message).toBe("bucket is gone");
  });

  it("fails with the storage's error when the writes fail after ffmpeg has already exited", async () => {
    // 15 small frames fit in the pipe: ffmpeg writes them all and exits while
    // the one write in flight (window 1) holds stdout paused. Node resumes a
    // child's stdout when it exits, the frames come in, fill the window and
    // pause it again; the write then fails, and stdout must be drained for
    // the pipe to reach its end (a run that hung here hung a preprocess).
    const small = await makeClip({ path: path.join(dir, "small.mp4"), seconds: 0.5, width: 160, height: 120, fps: 30, audio: false });
    let exited = false;
    const run = extractFrameStream({
      input: small,
      frameCountEstimate: 15,
      window: 1,
      onFrame: async () => {
        // Until ffmpeg is gone (no ffmpeg reading the clip is left), then fail.
        for (let i = 0; i < 100 && spawnSync("pgrep", ["-f", small]).status === 0; i++) await new Promise((r) => setTimeout(r, 50));
        exited = spawnSync("pgrep", ["-f", small]).status === 1;
        await new Promise((r) => setTimeout(r, 200));
        throw new Error("bucket is gone");
      },
    });
    const outcome = await Promise.race([failure(run), new Promise((resolve) => setTimeout(() => resolve(new Error("still running 10 s later")), 10_000))]);
    expect(exited).toBe(true);
    expect((outcome as Error).message).toBe("bucket is gone");
  });
});

describe("extractAudioStream and encodeFrameStream", () => {
  it("streams the audio as a fragmented .m4a", async () => {
    let data = Buffer.alloc(0);
    await extractAudioStream({ input: clip, sink: async (s) => void (data = await buffer(s)) });
    audioFile = path.join(dir, "audio.m4a");
    await writeFile(audioFile, data);
    const info = await inspectFile(audioFile);
    expect(info.audio?.codec).toBe("aac");
    expect(Math.abs(info.durationSec - 2)).toBeLessThan(0.1);
  });

  it("encodes frames read in order with a bounded prefetch, with audio and captions, into a playable MP4", async () => {
    const captions = path.join(dir, "captions.vtt");
    await writeFile(captions, "WEBVTT\n\n00:00:00.000 --> 00:00:01.500\nHello there\n");
    let reading = 0;
    let most = 0;
    const order: number[] = [];
    let output = Buffer.alloc(0);
    const result = await encodeFrameStream({
      frameCount: 60,
      fpsNum: 30,
      fpsDen: 1,
      audio: audioFile,
      captions,
      prefetch: 4,
      readFrame: async (i) => {
        reading++;
        most = Math.max(most, reading);
        order.push(i);
        await new Promise((r) => setTimeout(r, 2));
        reading--;
        return frames.get(i) ?? null;
      },
      sink: async (s) => void (output = await buffer(s)),
    });
    expect(result).toEqual({ frameCount: 60, durationSec: 2 });
    expect(order).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(most).toBeLessThanOrEqual(4);
    const file = path.join(dir, "out.mp4");
    await writeFile(file, output);
    const info = await inspectFile(file);
    expect(info.video).toMatchObject({ codec: "h264", width: 320, height: 240, frames: 60, fps: "30/1" });
    expect(info.audio?.codec).toBe("aac");
    expect(info.subtitle?.codec).toBe("mov_text");
    // The pictures keep the frames' levels: limited range, marked as such
    // (an unmarked or full-range stream would play flat or crushed).
    const png = execFileSync(ffmpegPath(), ["-v", "error", "-i", file, "-vf", "select=eq(n\\,30)", "-frames:v", "1", "-c:v", "png", "-f", "image2pipe", "-"]);
    const [decoded, source] = await Promise.all([sharp(png).stats(), sharp(frames.get(30)!).stats()]);
    for (const c of [0, 1, 2]) {
      expect(Math.abs(decoded.channels[c]!.mean - source.channels[c]!.mean), `channel ${c} mean`).toBeLessThan(3);
      expect(Math.abs(decoded.channels[c]!.stdev - source.channels[c]!.stdev), `channel ${c} stdev`).toBeLessThan(3);
    }
    const range = execFileSync(ffprobePath(), ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=color_range", "-of", "csv=p=0", file]).toString().trim();
    expect(range).toBe("tv");
    // The container's duration is its longest track; the copied AAC track ends up to a few AAC frames late.
    expect(Math.abs(info.durationSec - 2)).toBeLessThanOrEqual(1 / 30 + 0.05);
  });

  it("keeps an exact NTSC rate and makes odd sizes even", async () => {
    const odd = await makeFrames({ dir: path.join(dir, "odd"), count: 10, width: 321, height: 241 });
    let output = Buffer.alloc(0);
    await encodeFrameStream({
      frameCount: 10,
      fpsNum: 30000,
      fpsDen: 1001,
      readFrame: (i) => readFile(path.join(odd, `${String(i).padStart(6, "0")}.jpg`)),
      sink: async (s) => void (output = await buffer(s)),
    });
    const file = path.join(dir, "ntsc.mp4");
    await writeFile(file, output);
    expect((await inspectFile(file)).video).toMatchObject({ width: 320, height: 240, frames: 10, fps: "30000/1001" });
  });

  it("refuses a missing frame with a sentence, and a broken one with ffmpeg's stderr", async () => {
    const sink = async (s: NodeJS.ReadableStream) => void (await buffer(s));
    const missing = await failure(encodeFrameStream({ frameCount: 4, fpsNum: 30, fpsDen: 1, readFrame: async (i) => (i === 2 ? null : frames.get(i)!), sink }));
    expect(missing).toMatchObject({ code: "frames_missing", message: "cannot encode: frame 2 of 4 is missing from storage" });
    const broken = await failure(encodeFrameStream({ frameCount: 1, fpsNum: 30, fpsDen: 1, readFrame: async () => Buffer.from("not a jpeg"), sink }));
    expect(broken).toMatchObject({ code: "ffmpeg_failed" });
    expect((broken as { detail?: string }).detail?.length ?? 0).toBeGreaterThan(0);
  });

  it("does not start ffmpeg when the signal is already aborted", async () => {
    let reads = 0;
    const error = await failure(
      encodeFrameStream({ frameCount: 60, fpsNum: 30, fpsDen: 1, signal: AbortSignal.abort(), readFrame: async (i) => (reads++, frames.get(i)!), sink: async () => {} }),
    );
    expect(error).toMatchObject({ code: "aborted" });
    expect(reads).toBe(0);
  });
});

describe("JpegSplitter", () => {
  // SOI, an APP0 segment whose payload holds FF D9 (not an end), a scan with
  // a stuffed FF 00 and a restart marker, then EOI.
  const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x06, 0xff, 0xd9, 0x12, 0x34, 0xff, 0xda, 0x00, 0x02, 0x11, 0xff, 0x00, 0x22, 0xff, 0xd3, 0x33, 0xff, 0xd9]);

  it("cuts images at their real end, whatever the chunking", () => {
    const stream = Buffer.concat([jpeg, jpeg, jpeg]);
    for (const size of [1, 2, 5, 7, stream.length]) {
      const splitter = new JpegSplitter();
      const out: Buffer[] = [];
      for (let i = 0; i < stream.length; i += size) out.push(...splitter.push(stream.subarray(i, i + size)));
      expect(out, `chunks of ${size}`).toEqual([jpeg, jpeg, jpeg]);
      expect(splitter.pending).toBe(0);
    }
  });

  it("keeps an incomplete image pending, and refuses what is not JPEG", () => {
    const splitter = new JpegSplitter();
    expect(splitter.push(jpeg.subarray(0, 12))).toEqual([]);
    expect(splitter.pending).toBe(12);
    expect(() => new JpegSplitter().push(Buffer.from("GIF89a"))).toThrow(/not a sequence of JPEG images/);
  });
});
