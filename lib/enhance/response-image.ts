import sharp from "sharp";
import { EnhanceError, bodyExcerpt } from "./errors";

/**
 * Checks that a 2xx body is a decodable image of the frame's size and returns
 * it as JPEG. A 200 with anything else is a failed attempt, never a finished
 * frame (DESIGN.md, "The external enhancement service"); it is retryable
 * because a garbage body is usually a transient fault of the service or of a
 * proxy in front of it.
 */
export async function validateResponseImage(body: Buffer, width: number, height: number): Promise<Buffer> {
  const invalid = (message: string, cause?: unknown) =>
    new EnhanceError({ errorClass: "InvalidResponse", message, retryable: true, bodyExcerpt: bodyExcerpt(body), cause });
  if (body.length === 0) throw invalid("response body is empty");
  const meta = await sharp(body)
    .metadata()
    .catch((error: unknown) => {
      throw invalid("response body is not an image", error);
    });
  if (meta.format !== "jpeg" && meta.format !== "png" && meta.format !== "webp") {
    throw invalid(`response image format ${meta.format} is not jpeg, png or webp`);
  }
  if (meta.width !== width || meta.height !== height) {
    throw invalid(`response image is ${meta.width}x${meta.height}, expected ${width}x${height}`);
  }
  try {
    if (meta.format === "jpeg") {
      // The header alone does not prove the image decodes (a truncated body
      // has a perfect header). Decoding with JPEG shrink-on-load still reads
      // every entropy-coded block but costs ~40% of a full decode.
      await sharp(body, { failOn: "truncated" })
        .resize({ width: Math.max(1, Math.ceil(width / 8)), fastShrinkOnLoad: true })
        .raw()
        .toBuffer();
      return body;
    }
    // The pipeline stores JPEG frames, whatever the service chose to send.
    return await sharp(body, { failOn: "truncated" }).jpeg({ quality: 90 }).toBuffer();
  } catch (error) {
    throw invalid(`response image does not decode: ${error instanceof Error ? error.message : String(error)}`, error);
  }
}
