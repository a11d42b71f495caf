import { expect, it } from "vitest";
import sharp from "sharp";
import { createEnhancer } from "./enhancer";

const frame = () =>
  sharp({ create: { width: 96, height: 54, channels: 3, background: "#506070" } })
    .composite([{ input: { create: { width: 20, height: 20, channels: 3, background: "#f0e0d0" } }, left: 30, top: 10 }])
    .jpeg()
    .toBuffer();

it("local enhancer returns a different JPEG of the same size", async () => {
  const image = await frame();
  const out = await createEnhancer({ kind: "local" }).enhance({ videoId: "v", frameIndex: 0, image, width: 96, height: 54 });
  expect(await sharp(out).metadata()).toMatchObject({ format: "jpeg", width: 96, height: 54 });
  const [before, after] = await Promise.all([sharp(image).stats(), sharp(out).stats()]);
  // Contrast stretched: the spread of values grows.
  expect(after.channels[0]!.stdev).toBeGreaterThan(before.channels[0]!.stdev);
});

it("local enhancer rejects an undecodable frame as a permanent ImageError", async () => {
  const enhance = createEnhancer({ kind: "local" }).enhance({ videoId: "v", frameIndex: 0, image: Buffer.from("not a jpeg"), width: 96, height: 54 });
  await expect(enhance).rejects.toMatchObject({ errorClass: "ImageError", retryable: false });
});

it("noop enhancer returns its input", async () => {
  const image = await frame();
  expect(await createEnhancer({ kind: "noop" }).enhance({ videoId: "v", frameIndex: 0, image, width: 96, height: 54 })).toBe(image);
});
