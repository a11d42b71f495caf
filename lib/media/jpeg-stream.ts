// Splits a stream of concatenated JPEG images (ffmpeg's `-f image2pipe -c:v
// mjpeg` output) into one Buffer per image. A JPEG cannot be cut at the first
// FF D9: table segments before the scan may hold those bytes, so segments are
// skipped by their length up to the scan (SOS), and inside the entropy-coded
// scan an FF is always followed by 00 (stuffing) or a restart marker, which
// makes the first other marker the end of the scan.

/**
 * Input options for ffmpeg decoding our JPEG frames (the enhancer, encode):
 * on x86-64 the xvid IDCT (SIMD), ~19% fewer instructions a 720p frame than
 * the default one (callgrind), the same pixels within 1 (0.2% of samples
 * differ; PSNR 75 dB). Elsewhere the default, whose NEON version the xvid
 * one's C would not beat.
 */
export const JPEG_DECODE_ARGS: readonly string[] = process.arch === "x64" ? ["-idct", "xvid"] : [];

export class JpegSplitter {
  private buffer: Buffer = Buffer.alloc(0);
  /** Where the scan for the current image's end resumes. */
  private pos = 0;
  private inScan = false;

  /** Feeds a chunk; returns the images it completed. */
  push(chunk: Buffer): Buffer[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const images: Buffer[] = [];
    for (let end = this.findEnd(); end > 0; end = this.findEnd()) {
      images.push(this.buffer.subarray(0, end));
      this.buffer = this.buffer.subarray(end);
      this.pos = 0;
      this.inScan = false;
    }
    return images;
  }

  /** Bytes left over that do not make a whole image (0 at a clean end of stream). */
  get pending(): number {
    return this.buffer.length;
  }

  private findEnd(): number {
    const b = this.buffer;
    if (this.pos === 0) {
      if (b.length < 2) return -1;
      if (b[0] !== 0xff || b[1] !== 0xd8) throw new Error("the image stream is not a sequence of JPEG images");
      this.pos = 2;
    }
    let p = this.pos;
    for (;;) {
      if (this.inScan) {
        // Jump from FF to FF (a native search: the scan is nearly all of the bytes).
        for (;;) {
          p = b.indexOf(0xff, p);
          if (p < 0 || p + 1 >= b.length) break;
          const next = b[p + 1]!;
          if (next !== 0x00 && !(next >= 0xd0 && next <= 0xd7)) break;
          p += 2;
        }
        if (p < 0 || p + 1 >= b.length) {
          // Resume at the last byte (an FF whose partner has not arrived) or at the end.
          p = p < 0 ? b.length : p;
          break;
        }
        this.inScan = false;
      }
      if (p + 2 > b.length) break;
      if (b[p] !== 0xff) throw new Error(`malformed JPEG in the image stream (byte ${p})`);
      const marker = b[p + 1]!;
      if (marker === 0xff) {
        p++;
        continue;
      }
      if (marker === 0xd9) return p + 2;
      if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
        p += 2;
        continue;
      }
      if (p + 4 > b.length) break;
      const length = b.readUInt16BE(p + 2);
      if (p + 2 + length > b.length) break;
      p += 2 + length;
      if (marker === 0xda) this.inScan = true;
    }
    this.pos = p;
    return -1;
  }
}
