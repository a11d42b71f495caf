import { mkdir, readdir, rm } from "node:fs/promises";
import path from "node:path";
import sharp from "sharp";
import { writeFileAtomic } from "@/lib/captions/atomic-write";
import { formatVtt, type VttCue } from "@/lib/captions/vtt";
import { frameFileName } from "@/lib/storage/paths";

// The thumbnails stage's work, from frames on disk (no database):
// - poster.webp: a representative frame that is not black or blank;
// - thumb-000.webp ... thumb-{N-1}.webp: N evenly spaced frames;
// - sprite.jpg + sprite.vtt: a grid of small tiles and a WebVTT "thumbnails"
//   track whose cues point into it with #xywh= media fragments, covering the
//   whole duration, for previews while scrubbing.
// Served as GET /api/videos/{id}/thumbnails/{n} (n = 0..N-1 -> thumbnailFileName(n),
// "poster" -> poster.webp, "sprite.jpg", "sprite.vtt"; see THUMBNAIL_FILES).
// Only sampled frames are read (N + tiles + poster candidates, a few hundred
// at most), never all 108,000 of an hour at 30 fps.

export const THUMBNAIL_FILES = {
  poster: "poster.webp",
  sprite: "sprite.jpg",
  spriteVtt: "sprite.vtt",
} as const;

export function thumbnailFileName(n: number): string {
  return `thumb-${String(n).padStart(3, "0")}.webp`;
}

export interface GenerateThumbnailsOptions {
  framesDir: string;
  frameCount: number;
  fps: number;
  outDir: string;
  count?: number;
  /** Width of the N thumbnails; height keeps the aspect ratio. */
  width?: number;
  /** Poster width (never wider than the frames). */
  posterWidth?: number;
  /** Width of one sprite tile. */
  tileWidth?: number;
  /** Upper bound on sprite tiles; the interval grows with the duration to stay under it. */
  maxTiles?: number;
  /** Lower bound on the time one tile covers. */
  minTileSec?: number;
  tileColumns?: number;
  /** Candidates sampled for the poster. */
  posterCandidates?: number;
  /** How the VTT refers to the sprite; relative to where the VTT is served. */
  spriteUrl?: string;
  /** Where frame i is; defaults to framesDir/000123.jpg. Lets a caller substitute original frames for failed ones. */
  framePath?: (index: number) => string;
  /** Frame i's bytes, for frames that are not files (object storage); overrides framePath. */
  readFrame?: (index: number) => Promise<Buffer>;
  /** Where each output goes, for outputs that are not files; overrides outDir and skips the stale-thumbnail cleanup (the caller's then). */
  writeOutput?: (name: string, data: Buffer) => Promise<void>;
  signal?: AbortSignal;
}

export interface ThumbnailsResult {
  poster: string;
  thumbnails: string[];
  sprite: string;
  spriteVtt: string;
  count: number;
  posterFrame: number;
  /** True when every candidate was blank (an all-black video): the poster is the least blank one. */
  posterIsBlank: boolean;
  tiles: { count: number; columns: number; rows: number; width: number; height: number; intervalSec: number };
}

export async function generateThumbnails(options: GenerateThumbnailsOptions): Promise<ThumbnailsResult> {
  const { frameCount, fps, outDir, signal } = options;
  const count = Math.min(options.count ?? 8, frameCount);
  if (!Number.isInteger(frameCount) || frameCount < 1) throw new RangeError(`frameCount must be a positive integer, got ${frameCount}`);
  if (!(fps > 0)) throw new RangeError(`fps must be positive, got ${fps}`);
  if (count < 1) throw new RangeError("count must be at least 1");
  const framePath = options.framePath ?? ((i: number) => path.join(options.framesDir, frameFileName(i)));
  // Only sampled frames are read: a few hundred at most, each once per use.
  const frame = (i: number): Promise<Buffer | string> => (options.readFrame ? options.readFrame(i) : Promise.resolve(framePath(i)));
  const durationMs = Math.round((frameCount / fps) * 1000);

  const { width: frameWidth = 0, height: frameHeight = 0 } = await sharp(await frame(0)).metadata();
  if (!frameWidth || !frameHeight) throw new Error("cannot read the size of frame 0");
  const heightFor = (w: number) => Math.max(2, Math.round((w * frameHeight) / frameWidth / 2) * 2);
  const frameAt = (sec: number) => Math.min(frameCount - 1, Math.max(0, Math.floor(sec * fps)));
  const written: string[] = [];
  // Each file whole or absent (temp + rename): the API may serve them while a rerun writes.
  const write = async (name: string, data: Buffer) => {
    if (options.writeOutput) await options.writeOutput(name, data);
    else await writeFileAtomic(path.join(outDir, name), data);
    written.push(name);
  };
  if (!options.writeOutput) await mkdir(outDir, { recursive: true });

  // N thumbnails at the middle of N equal parts of the video.
  const width = Math.min(options.width ?? 320, frameWidth);
  const thumbIndexes = Array.from({ length: count }, (_, i) => Math.min(frameCount - 1, Math.floor(((i + 0.5) * frameCount) / count)));
  const thumbnails = await mapLimit(thumbIndexes, 4, async (index, i) => {
    signal?.throwIfAborted();
    const data = await sharp(await frame(index)).resize(width, heightFor(width), { fit: "fill" }).webp({ quality: 80 }).toBuffer();
    const name = thumbnailFileName(i);
    await write(name, data);
    return path.join(outDir, name);
  });

  // Sprite: T tiles, tile i covers [i*D/T, (i+1)*D/T) and shows the frame in its middle.
  const maxTiles = options.maxTiles ?? 200;
  const minTileMs = (options.minTileSec ?? 1) * 1000;
  const tileCount = Math.max(1, Math.min(maxTiles, frameCount, Math.ceil(durationMs / minTileMs)));
  const columns = Math.min(options.tileColumns ?? 10, tileCount);
  const rows = Math.ceil(tileCount / columns);
  const tileWidth = Math.min(options.tileWidth ?? 160, frameWidth);
  const tileHeight = heightFor(tileWidth);
  const bounds = Array.from({ length: tileCount + 1 }, (_, i) => Math.round((i * durationMs) / tileCount));
  const tiles = await mapLimit(bounds.slice(0, -1), 4, async (startMs, i) => {
    signal?.throwIfAborted();
    const mid = (startMs + bounds[i + 1]!) / 2000;
    const input = await sharp(await frame(frameAt(mid))).resize(tileWidth, tileHeight, { fit: "fill" }).toBuffer();
    return { input, left: (i % columns) * tileWidth, top: Math.floor(i / columns) * tileHeight };
  });
  const sprite = await sharp({ create: { width: columns * tileWidth, height: rows * tileHeight, channels: 3, background: "#000" } })
    .composite(tiles)
    .jpeg({ quality: 70, mozjpeg: true })
    .toBuffer();
  const spriteUrl = options.spriteUrl ?? THUMBNAIL_FILES.sprite;
  const cues: VttCue[] = tiles.map((tile, i) => ({
    startSec: bounds[i]! / 1000,
    endSec: bounds[i + 1]! / 1000,
    text: `${spriteUrl}#xywh=${tile.left},${tile.top},${tileWidth},${tileHeight}`,
  }));
  // The VTT goes after the sprite it points into.
  await write(THUMBNAIL_FILES.sprite, sprite);
  await write(THUMBNAIL_FILES.spriteVtt, Buffer.from(formatVtt(cues, { escape: false, numbered: false })));

  signal?.throwIfAborted();
  const candidateCount = Math.min(options.posterCandidates ?? 32, frameCount);
  const candidates = Array.from({ length: candidateCount }, (_, i) => Math.min(frameCount - 1, Math.floor(((i + 0.5) * frameCount) / candidateCount)));
  const { index: posterFrame, blank: posterIsBlank } = await choosePoster(candidates.map((i) => ({ index: i, file: () => frame(i) })), signal);
  const posterWidth = Math.min(options.posterWidth ?? 1280, frameWidth);
  await write(THUMBNAIL_FILES.poster, await sharp(await frame(posterFrame)).resize(posterWidth, heightFor(posterWidth), { fit: "fill" }).webp({ quality: 85 }).toBuffer());

  // A rerun with a smaller N leaves no stale thumbnail behind.
  const keep = new Set(written);
  for (const name of options.writeOutput ? [] : await readdir(outDir)) {
    if (/^thumb-\d+\.webp$/.test(name) && !keep.has(name)) await rm(path.join(outDir, name), { force: true });
  }

  return {
    poster: path.join(outDir, THUMBNAIL_FILES.poster),
    thumbnails,
    sprite: path.join(outDir, THUMBNAIL_FILES.sprite),
    spriteVtt: path.join(outDir, THUMBNAIL_FILES.spriteVtt),
    count,
    posterFrame,
    posterIsBlank,
    tiles: { count: tileCount, columns, rows, width: tileWidth, height: tileHeight, intervalSec: durationMs / tileCount / 1000 },
  };
}

export interface FrameLuma {
  mean: number;
  stdev: number;
  histogram: number[];
}

const LUMA_BINS = 32;
// Below this spread a frame is one flat tone (black, a fade, a white flash,
// a title card's background) up to JPEG noise: never a poster.
const MIN_LUMA_STDEV = 8;

/** Luma statistics of a frame, from a 64x36 greyscale copy (cheap: libjpeg shrinks on load). */
export async function frameLuma(file: string | Buffer): Promise<FrameLuma> {
  // sharp's stats() would give mean and stdev but not a histogram, which the
  // "representative" choice needs; the raw 2,304 pixels give both in one decode.
  const pixels = await sharp(file).greyscale().resize(64, 36, { fit: "fill" }).raw().toBuffer();
  const histogram = new Array<number>(LUMA_BINS).fill(0);
  let sum = 0;
  let sumSq = 0;
  for (const v of pixels) {
    sum += v;
    sumSq += v * v;
    histogram[Math.min(LUMA_BINS - 1, v >> 3)]! += 1 / pixels.length;
  }
  const mean = sum / pixels.length;
  return { mean, stdev: Math.sqrt(Math.max(0, sumSq / pixels.length - mean * mean)), histogram };
}

export function isBlankFrame(luma: Pick<FrameLuma, "mean" | "stdev">): boolean {
  return luma.stdev < MIN_LUMA_STDEV || luma.mean < 16 || luma.mean > 245;
}

/**
 * Among the non-blank candidates, the one whose luma histogram is closest to
 * their average (the idea of ffmpeg's `thumbnail` filter): typical of the
 * video rather than an outlier such as a flash or a title card.
 */
async function choosePoster(candidates: { index: number; file: () => Promise<string | Buffer> }[], signal?: AbortSignal): Promise<{ index: number; blank: boolean }> {
  const measured = await mapLimit(candidates, 4, async (c) => {
    signal?.throwIfAborted();
    return { ...c, luma: await frameLuma(await c.file()) };
  });
  const usable = measured.filter((m) => !isBlankFrame(m.luma));
  if (usable.length === 0) {
    const best = measured.reduce((a, b) => (b.luma.stdev > a.luma.stdev ? b : a));
    return { index: best.index, blank: true };
  }
  const average = new Array<number>(LUMA_BINS).fill(0);
  for (const m of usable) m.luma.histogram.forEach((v, i) => (average[i]! += v / usable.length));
  const distance = (h: number[]) => h.reduce((acc, v, i) => acc + (v - average[i]!) ** 2, 0);
  const best = usable.reduce((a, b) => (distance(b.luma.histogram) < distance(a.luma.histogram) ? b : a));
  return { index: best.index, blank: false };
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
