import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { startS3 } from "@/test/support/s3";
import {
  encodeFramePack,
  encodeResultPack,
  FramePackError,
  FramePackReader,
  FramePackWriter,
  frameFromPack,
  MAX_RESULT_PACK_FRAMES,
  newResultPackName,
  readPackedFrame,
  readResultFrame,
} from "./frame-packs";
import { FRAMES_PER_PACK, videoKeys } from "./keys";
import { localStorage } from "./local-storage";
import { s3Storage } from "./s3-storage";
import type { Storage } from "./storage";

// Packs of extracted and of enhanced frames, against both backends (the local disk and a
// real S3-protocol server through the AWS SDK).

const s3 = await startS3();
const work = await mkdtemp(path.join(os.tmpdir(), "framewise-packs-"));
/** Frame i's image: distinct bytes and lengths (frame 5 is empty: an edge, not a real JPEG). */
const image = (i: number) => Buffer.alloc(i === 5 ? 0 : 100 + i * 7, i % 251);

/** Counts the whole-object reads a storage answers. */
function counting(inner: Storage) {
  const gets: string[] = [];
  const storage: Storage = { ...inner, get: (key) => (gets.push(key), inner.get(key)) };
  return { storage, gets };
}

async function store(storage: Storage, videoId: string, count: number) {
  const stored: { first: number; count: number }[] = [];
  const writer = new FramePackWriter(async (first, pack, n) => {
    await storage.put(videoKeys(videoId).framePack(first), pack);
    stored.push({ first, count: n });
  });
  for (let i = 0; i < count; i++) await writer.add(i, image(i));
  await writer.flush();
  return stored;
}

describe("frame packs", () => {
  it("round-trips every frame of a full and a partial pack, and says when a frame is not in a pack", () => {
    const full = encodeFramePack(32, Array.from({ length: FRAMES_PER_PACK }, (_, k) => image(32 + k)));
    for (let k = 0; k < FRAMES_PER_PACK; k++) expect(frameFromPack(full, 32 + k)).toEqual(image(32 + k));
    expect(frameFromPack(full, 31)).toBeNull();
    expect(frameFromPack(full, 64)).toBeNull();
    const partial = encodeFramePack(0, [image(0), image(1), image(2)]);
    expect(frameFromPack(partial, 2)).toEqual(image(2));
    expect(frameFromPack(partial, 3)).toBeNull();
  });

  it("refuses packs that do not start on a pack boundary or hold too many frames, and unreadable bytes", () => {
    expect(() => encodeFramePack(3, [image(3)])).toThrow(FramePackError);
    expect(() => encodeFramePack(0, [])).toThrow(FramePackError);
    expect(() => encodeFramePack(0, Array.from({ length: FRAMES_PER_PACK + 1 }, (_, k) => image(k)))).toThrow(FramePackError);
    expect(() => frameFromPack(Buffer.from("not a pack at all"), 0, "k")).toThrow(/the frame pack k is not readable: no pack header/);
    const pack = encodeFramePack(0, [image(0), image(1)]);
    expect(() => frameFromPack(pack.subarray(0, 16), 0, "k")).toThrow(/header is cut short/);
    expect(() => frameFromPack(pack.subarray(0, pack.length - 1), 1, "k")).toThrow(/cut short/);
  });

  it("a pack of enhanced frames holds any distinct frames of a video, in the order given", () => {
    const frames = [9, 3, 40, 5].map((index) => ({ index, image: image(index) }));
    const pack = encodeResultPack(frames);
    for (const { index } of frames) expect(frameFromPack(pack, index)).toEqual(image(index));
    for (const absent of [0, 4, 10, 41]) expect(frameFromPack(pack, absent)).toBeNull();
    expect(() => encodeResultPack([])).toThrow(FramePackError);
    expect(() => encodeResultPack([frames[0]!, frames[0]!])).toThrow(/distinct/);
    expect(() => encodeResultPack(Array.from({ length: MAX_RESULT_PACK_FRAMES + 1 }, (_, index) => ({ index, image: image(0) })))).toThrow(FramePackError);
    expect(() => frameFromPack(pack.subarray(0, 20), 9, "k")).toThrow(/header is cut short/);
    expect(newResultPackName(1234)).toMatch(/^001234-[0-9a-f]{12}$/);
    expect(newResultPackName(1234)).not.toBe(newResultPackName(1234));
    expect(() => videoKeys("v").resultPack("../x")).toThrow(/not the name of a pack/);
  });

  it("the writer takes frames in order only, stores full packs as they fill and the rest at flush", async () => {
    const storage = localStorage(path.join(work, "writer"));
    expect(await store(storage, "v-writer", 70)).toEqual([
      { first: 0, count: 32 },
      { first: 32, count: 32 },
      { first: 64, count: 6 },
    ]);
    // While two packs are being stored, the next frame waits for one of them.
    const gates: (() => void)[] = [];
    const slow = new FramePackWriter(() => new Promise<void>((resolve) => gates.push(resolve)));
    for (let i = 0; i < 64; i++) void slow.add(i, image(i));
    let held = false;
    const next = slow.add(64, image(64)).then(() => (held = true));
    await new Promise((r) => setTimeout(r, 20));
    expect([gates.length, held]).toEqual([2, false]);
    gates[0]!();
    await next;
    expect(held).toBe(true);
    const writer = new FramePackWriter(async () => {});
    await writer.add(0, image(0));
    await expect(writer.add(2, image(2))).rejects.toThrow(/frames must come in order: got 2, expected 1/);
  });
});

describe.each([
  ["local", () => localStorage(path.join(work, "local"))],
  ["s3", () => s3Storage(s3.settings)],
] as [string, () => Storage][])("%s storage: frames read out of their packs", (kind, make) => {
  it("reads one frame with ranged reads, and null for a frame not stored", async () => {
    const storage = make();
    const videoId = `${kind}-ranged`;
    await store(storage, videoId, 40);
    for (const i of [0, 5, 31, 32, 39]) expect(await readPackedFrame(storage, videoId, i)).toEqual(image(i));
    expect(await readPackedFrame(storage, videoId, 40)).toBeNull();
    expect(await readPackedFrame(storage, videoId, 64)).toBeNull();
  });

  it("reads a frame of a video extracted before packs (one image per object) where it was stored", async () => {
    const storage = make();
    const videoId = `${kind}-legacy`;
    await storage.put(videoKeys(videoId).legacyFrame(7), image(7));
    expect(await readPackedFrame(storage, videoId, 7)).toEqual(image(7));
    expect(await new FramePackReader(storage).frame(videoId, 7)).toEqual(image(7));
    expect(await readPackedFrame(storage, videoId, 8)).toBeNull();
  });

  it("reads an enhanced frame out of the pack its row names (ranged reads, a header longer than the first read too), or stored alone", async () => {
    const storage = make();
    const videoId = `${kind}-results`;
    const small = newResultPackName(8);
    await storage.put(videoKeys(videoId).resultPack(small), encodeResultPack([8, 10, 11].map((index) => ({ index, image: image(index) }))));
    // 600 frames: a 4.8 KB header, more than the first ranged read.
    const big = newResultPackName(1000);
    await storage.put(videoKeys(videoId).resultPack(big), encodeResultPack(Array.from({ length: 600 }, (_, k) => ({ index: 1000 + k, image: image(k) }))));
    await storage.put(videoKeys(videoId).enhancedFrame(12), image(12));
    expect(await readResultFrame(storage, videoId, 10, small)).toEqual(image(10));
    expect(await readResultFrame(storage, videoId, 9, small)).toBeNull();
    expect(await readResultFrame(storage, videoId, 1599, big)).toEqual(image(599));
    expect(await readResultFrame(storage, videoId, 12, null)).toEqual(image(12));
    expect(await readResultFrame(storage, videoId, 13, null)).toBeNull();
    expect(await readResultFrame(storage, videoId, 8, newResultPackName(8))).toBeNull();
    const reader = new FramePackReader(storage);
    expect(await reader.result(videoId, 1599, big)).toEqual(image(599));
    expect(await reader.result(videoId, 11, small)).toEqual(image(11));
    expect(await reader.result(videoId, 12, null)).toEqual(image(12));
    expect(await reader.result(videoId, 9, small)).toBeNull();
  });

  it("the reader fetches each pack once for all its frames (concurrent reads share a fetch) and forgets packs beyond its budget", async () => {
    const { storage, gets } = counting(make());
    const videoId = `${kind}-reader`;
    await store(storage, videoId, 96);
    const reader = new FramePackReader(storage, 1);
    const first = await Promise.all(Array.from({ length: 32 }, (_, i) => reader.frame(videoId, i)));
    first.forEach((frame, i) => expect(frame).toEqual(image(i)));
    expect(gets).toEqual([videoKeys(videoId).framePack(0)]);
    // A budget of one byte keeps only the last pack read.
    expect(await reader.frame(videoId, 40)).toEqual(image(40));
    expect(await reader.frame(videoId, 41)).toEqual(image(41));
    expect(await reader.frame(videoId, 3)).toEqual(image(3));
    expect(gets.slice(1)).toEqual([videoKeys(videoId).framePack(32), videoKeys(videoId).framePack(0)]);
    // A pack not stored is not remembered: once written, it is read.
    expect(await reader.frame(videoId, 100)).toBeNull();
    await storage.put(videoKeys(videoId).framePack(96), encodeFramePack(96, [image(96), image(97), image(98), image(99), image(100)]));
    expect(await reader.frame(videoId, 100)).toEqual(image(100));
  });
});
