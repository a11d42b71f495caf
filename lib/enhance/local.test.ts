import { describe, expect, it } from "vitest";
import sharp from "sharp";
import { createEnhancer } from "./enhancer";
import { createLocalEnhancer } from "./local";

const frame = (background = "#506070", width = 96, height = 54) =>
  sharp({ create: { width, height, channels: 3, background } })
    .composite([{ input: { create: { width: 20, height: 20, channels: 3, background: "#f0e0d0" } }, left: 30, top: 10 }])
    .jpeg()
    .toBuffer();
const input = (image: Buffer, width = 96, height = 54) => ({ videoId: "v", frameIndex: 0, image, width, height });

describe("local enhancer", () => {
  it("returns a different JPEG of the same size, with more contrast", async () => {
    const image = await frame();
    const out = await createEnhancer({ kind: "local" }).enhance(input(image));
    expect(await sharp(out).metadata()).toMatchObject({ format: "jpeg", width: 96, height: 54 });
    const [before, after] = await Promise.all([sharp(image).stats(), sharp(out).stats()]);
    expect(after.channels[0]!.stdev).toBeGreaterThan(before.channels[0]!.stdev);
  });

  it("rejects an undecodable, a truncated or a wrong-sized frame as a permanent ImageError", async () => {
    const enhancer = createEnhancer({ kind: "local" });
    const image = await frame();
    await expect(enhancer.enhance(input(Buffer.from("not a jpeg")))).rejects.toMatchObject({ errorClass: "ImageError", retryable: false });
    await expect(enhancer.enhance(input(image.subarray(0, image.length - 40)))).rejects.toMatchObject({ errorClass: "ImageError", retryable: false, message: expect.stringMatching(/truncated/) });
    await expect(enhancer.enhance(input(image, 100, 54))).rejects.toMatchObject({ errorClass: "ImageError", message: "frame is 96x54, expected 100x54" });
  });

  it("gives each frame its own result when many share the processes, across frame sizes", async () => {
    const enhancer = createLocalEnhancer({ processes: 2 });
    const colours = ["#101010", "#303030", "#505050", "#707070", "#909090", "#b0b0b0", "#d0d0d0", "#202020", "#404040", "#606060"];
    const frames = await Promise.all(colours.map((c, i) => (i % 3 === 2 ? frame(c, 64, 48) : frame(c))));
    const size = (i: number): [number, number] => (i % 3 === 2 ? [64, 48] : [96, 54]);
    const together = await Promise.all(frames.map((f, i) => enhancer.enhance(input(f, ...size(i)))));
    for (let i = 0; i < frames.length; i++) {
      const alone = await createLocalEnhancer({ processes: 1 }).enhance(input(frames[i]!, ...size(i)));
      expect(together[i]!.equals(alone), `frame ${i}`).toBe(true);
    }
  });

  it("a frame that makes ffmpeg fail fails alone; the frames in flight with it succeed", async () => {
    const enhancer = createLocalEnhancer({ processes: 1 });
    const good = await frame();
    // A broken Huffman table: the shape reads fine, ffmpeg cannot decode it.
    const broken = Buffer.from(good);
    broken[good.indexOf(Buffer.from([0xff, 0xc4])) + 4] = 0x57;
    const results = await Promise.allSettled([good, broken, good, good].map((image) => enhancer.enhance(input(image))));
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled", "fulfilled"]);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ errorClass: "ImageError", retryable: false, message: expect.stringMatching(/^ffmpeg could not enhance the frame/) });
  });

  it("gives up a frame when its signal aborts", async () => {
    const controller = new AbortController();
    controller.abort(new Error("shutting down"));
    await expect(createLocalEnhancer().enhance({ ...input(await frame()), signal: controller.signal })).rejects.toThrow();
  });
});

it("noop enhancer returns its input", async () => {
  const image = await frame();
  expect(await createEnhancer({ kind: "noop" }).enhance(input(image))).toBe(image);
});
