import sharp from "sharp";
import type { Enhancer } from "./enhancer";
import { EnhanceError, classifyError } from "./errors";

// Contrast is stretched around mid-grey and brightness lifted in ONE linear()
// pass (out = a * in + b): modulate() would round-trip through LCh, which
// costs about twice the whole pipeline. sharpen() without a sigma is libvips'
// fast 3x3 mask; with a sigma it converts to LAB and is ~2x slower.
const CONTRAST = 1.08;
const BRIGHTNESS = 4;
const LINEAR_A = CONTRAST;
const LINEAR_B = 128 * (1 - CONTRAST) + BRIGHTNESS;

export function createLocalEnhancer(options: { quality?: number } = {}): Enhancer {
  const quality = options.quality ?? 90;
  return {
    name: "local",
    async enhance({ image, width, height, signal }) {
      signal?.throwIfAborted();
      try {
        const { data, info } = await sharp(image, { failOn: "truncated" })
          .sharpen()
          .linear(LINEAR_A, LINEAR_B)
          .jpeg({ quality })
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
