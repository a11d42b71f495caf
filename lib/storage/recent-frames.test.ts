import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { startS3 } from "@/test/support/s3";
import { videoKeys } from "./keys";
import { isFrameKey, withRecentFrames } from "./recent-frames";
import { s3Storage } from "./s3-storage";

// Against a real S3-protocol server (s3rver) through the AWS SDK. `direct`
// is a second client that bypasses the memory: what it deletes is gone from
// the store, so a read that still answers was answered from memory, and one
// that answers null went to the store.

const s3 = await startS3();
const direct = s3Storage(s3.settings);
const frame = (n: number, byte = n) => Buffer.alloc(1000, byte);
/** The key of the n-th pack of extracted frames (frames 32n..32n+31). */
const packKey = (keys: ReturnType<typeof videoKeys>, n: number) => keys.framePack(32 * n);

describe("recent frames: a worker's own frame images read back without a GET", () => {
  it("answers reads of the frames it wrote from memory, and everything else from the store", async () => {
    const { storage, stats } = withRecentFrames(s3Storage(s3.settings), 10_000);
    const keys = videoKeys("11111111-1111-1111-1111-111111111111");
    await storage.put(packKey(keys, 0), frame(0), "image/jpeg");
    await storage.put(keys.enhancedFrame(0), frame(1), "image/jpeg");
    await storage.put(keys.captions, Buffer.from("WEBVTT"), "text/vtt");
    // The store has them (a put is still a put) ...
    expect(await direct.get(packKey(keys, 0))).toEqual(frame(0));
    expect(await direct.get(keys.captions)).toEqual(Buffer.from("WEBVTT"));
    // ... and with the store's copies gone, the frames are still answered: from memory.
    await direct.deletePrefix(keys.prefix);
    expect(await storage.get(packKey(keys, 0))).toEqual(frame(0));
    expect(await storage.get(keys.enhancedFrame(0))).toEqual(frame(1));
    // Not a frame: the store answers. Existence checks always go to the store.
    expect(await storage.get(keys.captions)).toBeNull();
    expect(await storage.head(packKey(keys, 0))).toBeNull();
    expect(stats()).toMatchObject({ hits: 2, objects: 2, bytes: 2000 });
  });

  it("keeps the newest frames within its byte budget", async () => {
    const { storage, stats } = withRecentFrames(s3Storage(s3.settings), 2500);
    const keys = videoKeys("22222222-2222-2222-2222-222222222222");
    for (let i = 0; i < 4; i++) await storage.put(packKey(keys, i), frame(i));
    expect(stats()).toMatchObject({ objects: 2, bytes: 2000 });
    await direct.deletePrefix(keys.prefix);
    expect(await storage.get(packKey(keys, 0))).toBeNull();
    expect(await storage.get(packKey(keys, 1))).toBeNull();
    expect(await storage.get(packKey(keys, 2))).toEqual(frame(2));
    expect(await storage.get(packKey(keys, 3))).toEqual(frame(3));
    expect(stats()).toMatchObject({ hits: 2, misses: 2 });
  });

  it("forgets what it deletes, copies over or streams over, and never keeps a failed put", async () => {
    const { storage, stats } = withRecentFrames(s3Storage(s3.settings), 100_000);
    const keys = videoKeys("33333333-3333-3333-3333-333333333333");
    for (let i = 0; i < 4; i++) await storage.put(packKey(keys, i), frame(i));
    await storage.delete(packKey(keys, 0));
    expect(await storage.get(packKey(keys, 0))).toBeNull();
    await storage.copy(packKey(keys, 1), packKey(keys, 2));
    expect(await storage.get(packKey(keys, 2))).toEqual(frame(1));
    await storage.put(packKey(keys, 3), Readable.from([frame(9)]));
    expect(await storage.get(packKey(keys, 3))).toEqual(frame(9));
    await storage.deletePrefix(keys.framesPrefix);
    expect(await storage.get(packKey(keys, 1))).toBeNull();
    expect(stats()).toMatchObject({ objects: 0, bytes: 0 });

    const failing = withRecentFrames(s3Storage({ ...s3.settings, bucket: "no-such-bucket" }), 100_000);
    await expect(failing.storage.put(packKey(keys, 5), frame(5))).rejects.toThrow();
    expect(failing.stats()).toMatchObject({ objects: 0, bytes: 0 });
  });

  it("holds a copy of a frame that is a view into a larger buffer, so the budget counts what it keeps", async () => {
    const { storage, stats } = withRecentFrames(s3Storage(s3.settings), 100_000);
    const keys = videoKeys("44444444-4444-4444-4444-444444444444");
    const chunk = Buffer.alloc(64 * 1024, 3);
    const view = chunk.subarray(100, 1100);
    await storage.put(packKey(keys, 0), view);
    chunk.fill(4); // the chunk is reused: the kept frame must not change with it
    expect(await storage.get(packKey(keys, 0))).toEqual(Buffer.alloc(1000, 3));
    expect(stats().bytes).toBe(1000);
  });

  it("counts as frames only the frame images of a video", () => {
    expect(isFrameKey("videos/abc/frames/000032.pack")).toBe(true);
    expect(isFrameKey("videos/abc/enhanced/000001.jpg")).toBe(true);
    expect(isFrameKey("videos/abc/thumbnails/poster.webp")).toBe(false);
    expect(isFrameKey("videos/abc/output.mp4")).toBe(false);
    expect(isFrameKey("videos/abc/frames/deeper/000001.jpg")).toBe(false);
  });
});
