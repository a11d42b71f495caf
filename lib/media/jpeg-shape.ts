// What a JPEG claims to be, read from its markers without decoding it: the
// size and chroma layout in its frame header (SOF), and whether it ends with
// the end-of-image marker. Long-lived filter processes are shared by frames
// of one shape only (ffmpeg would silently rescale a frame of another size to
// the first one's), and a truncated frame must fail as sharp's
// failOn: "truncated" did, not come out with grey bottom rows.

export interface JpegShape {
  width: number;
  height: number;
  /** Component ids and sampling factors, e.g. "1:22,2:11,3:11" for 4:2:0. */
  sampling: string;
  /** False when the bytes stop before the end-of-image marker. */
  complete: boolean;
}

const SOF_MARKERS = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

/** The shape of a JPEG, or null when the bytes are not one (no SOI, no frame header before the scan). */
export function readJpegShape(image: Buffer): JpegShape | null {
  if (image.length < 4 || image[0] !== 0xff || image[1] !== 0xd8) return null;
  let p = 2;
  while (p + 4 <= image.length) {
    if (image[p] !== 0xff) return null;
    const marker = image[p + 1]!;
    if (marker === 0xff) {
      p++;
      continue;
    }
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      p += 2;
      continue;
    }
    const length = image.readUInt16BE(p + 2);
    if (length < 2 || p + 2 + length > image.length) return null;
    if (SOF_MARKERS.has(marker)) {
      if (length < 8) return null;
      const height = image.readUInt16BE(p + 5);
      const width = image.readUInt16BE(p + 7);
      const count = image[p + 9]!;
      if (length < 8 + 3 * count) return null;
      const components: string[] = [];
      for (let c = 0; c < count; c++) {
        const at = p + 10 + 3 * c;
        components.push(`${image[at]}:${image[at + 1]!.toString(16)}`);
      }
      return { width, height, sampling: components.join(","), complete: endsWithEoi(image) };
    }
    if (marker === 0xda || marker === 0xd9) return null;
    p += 2 + length;
  }
  return null;
}

// Encoders write nothing after EOI; a few tools pad with zeros.
function endsWithEoi(image: Buffer): boolean {
  let end = image.length;
  while (end > 2 && image[end - 1] === 0x00) end--;
  return image[end - 2] === 0xff && image[end - 1] === 0xd9;
}
