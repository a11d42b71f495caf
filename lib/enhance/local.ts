import sharp from "sharp";
import type { Enhancer } from "./enhancer";
import { EnhanceError, classifyError } from "./errors";

// Sharpen, then stretch contrast around mid-grey and lift brightness
// (out = a * in + b), as ONE 3x3 convolution: libvips' fast mild sharpen
// mask (-1 around a centre of 32, over 24), its scale divided by a and b as
// the offset. The same arithmetic as sharpen().linear(a, b) without the
// second pass over the image (about 20% less CPU per 720p frame, measured
// with bench/video.ts), and without rounding to 8 bits in between (results
// differ by 0.75 levels on average). modulate() would round-trip through
// LCh, and sharpen() with a sigma converts to LAB: both cost far more.
const CONTRAST = 1.08;
const BRIGHTNESS = 4;
const LINEAR_A = CONTRAST;
const LINEAR_B = 128 * (1 - CONTRAST) + BRIGHTNESS;
const SHARPEN_MASK = [-1, -1, -1, -1, 32, -1, -1, -1, -1];
const SHARPEN_SCALE = 24;

// One libvips thread per frame: the worker already has WORKER_CONCURRENCY
// frames in flight, and libvips' default (one thread per core for each of
// them) only adds contention: ~10% more CPU per frame on 2 cores, with 4
// frames in flight. Process-wide, set once when an enhancer is made.
const VIPS_THREADS_PER_FRAME = 1;

// The result is an intermediate (encode decodes it once), so its Huffman
// tables are not optimised: that second pass over the coefficients cost 5-9
// of about 30 ms of CPU per 720p frame here, for files 12% smaller; the
// pixels are identical either way.

export function createLocalEnhancer(options: { quality?: number } = {}): Enhancer {
  const quality = options.quality ?? 90;
  sharp.concurrency(VIPS_THREADS_PER_FRAME);
  return {
    name: "local",
    async enhance({ image, width, height, signal }) {
      signal?.throwIfAborted();
      try {
        const { data, info } = await sharp(image, { failOn: "truncated" })
          .convolve({ width: 3, height: 3, kernel: SHARPEN_MASK, scale: SHARPEN_SCALE / LINEAR_A, offset: LINEAR_B })
          .jpeg({ quality, optimiseCoding: false })
          .toBuffer({ resolveWithObject: true });
        if (info.width !== width || info.height !== height) {
          throw new EnhanceError({
            errorClass: "ImageError",
            message: `frame is ${info.width}x${info.height}, expected ${width}x${height}`,
            retryable: false,
          });
        }
        return data;
      } catch (error) {
        const e = classifyError(error);
        if (e.errorClass === "ImageError" || e.errorClass === "Aborted") throw e;
        // Anything else libvips throws is about this frame's bytes, and they
        // will be the same on the next attempt.
        throw new EnhanceError({ ...e.toMetadata(), errorClass: "ImageError", retryable: false, cause: error });
      }
    },
  };
}
