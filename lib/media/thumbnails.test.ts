import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseVtt } from "@/lib/captions/vtt";
import { extractFrames } from "@/lib/media/ffmpeg";
import { frameLuma, generateThumbnails, isBlankFrame, thumbnailFileName, type ThumbnailsResult } from "@/lib/media/thumbnails";
import { makeClip } from "@/test/support/clips";

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), "framewise-thumbs-"));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function framesOf(name: string, clip: { seconds: number; fps: number; blackFirstSeconds: number; width?: number; height?: number }) {
  const source = await makeClip({ path: path.join(work, `${name}.mp4`), audio: false, width: clip.width ?? 320, height: clip.height ?? 180, ...clip });
  const framesDir = path.join(work, `${name}-frames`);
  const { frameCount } = await extractFrames({ source, framesDir });
  return { framesDir, frameCount };
}

function xywh(text: string): { url: string; x: number; y: number; w: number; h: number } {
  const m = /^(.+)#xywh=(\d+),(\d+),(\d+),(\d+)$/.exec(text);
  if (!m) throw new Error(`not a media fragment: ${text}`);
  return { url: m[1]!, x: Number(m[2]), y: Number(m[3]), w: Number(m[4]), h: Number(m[5]) };
}

/** What a player needs of a thumbnails track: it parses, covers [0, duration] without gaps, and points inside the sprite. */
async function checkSpriteTrack(result: ThumbnailsResult, durationSec: number) {
  const { cues } = parseVtt(await readFile(result.spriteVtt, "utf8"));
  expect(cues.length).toBe(result.tiles.count);
  expect(cues[0]!.startSec).toBe(0);
  expect(cues.at(-1)!.endSec).toBeCloseTo(durationSec, 3);
  for (const [i, cue] of cues.entries()) {
    expect(cue.endSec).toBeGreaterThan(cue.startSec);
    if (i > 0) expect(cue.startSec).toBe(cues[i - 1]!.endSec);
  }
  const sprite = await sharp(result.sprite).metadata();
  expect(sprite.format).toBe("jpeg");
  const seen = new Set<string>();
  for (const cue of cues) {
    const r = xywh(cue.text);
    expect(r.url).toBe("sprite.jpg");
    expect([r.w, r.h]).toEqual([result.tiles.width, result.tiles.height]);
    expect(r.x % r.w).toBe(0);
    expect(r.y % r.h).toBe(0);
    expect(r.x + r.w).toBeLessThanOrEqual(sprite.width!);
    expect(r.y + r.h).toBeLessThanOrEqual(sprite.height!);
    seen.add(`${r.x},${r.y}`);
  }
  expect(seen.size).toBe(cues.length);
  expect(sprite.width).toBe(result.tiles.columns * result.tiles.width);
  expect(sprite.height).toBe(result.tiles.rows * result.tiles.height);
  return cues;
}

describe("generateThumbnails", () => {
  it("picks a poster that is not black when the video starts black, and a sprite track covering the duration", async () => {
    const fps = 10;
    const { framesDir, frameCount } = await framesOf("black-start", { seconds: 4, fps, blackFirstSeconds: 1 });
    expect(frameCount).toBe(40);
    // The first second really is black, so the test can fail.
    expect(isBlankFrame(await frameLuma(path.join(framesDir, "000000.jpg")))).toBe(true);
    expect(isBlankFrame(await frameLuma(path.join(framesDir, "000005.jpg")))).toBe(true);

    const outDir = path.join(work, "black-start-out");
    const result = await generateThumbnails({ framesDir, frameCount, fps, outDir });

    const poster = await sharp(result.poster).metadata();
    expect(poster.format).toBe("webp");
    expect(result.posterFrame).toBeGreaterThanOrEqual(fps);
    expect(result.posterIsBlank).toBe(false);
    const posterStats = await sharp(result.poster).greyscale().stats();
    expect(posterStats.channels[0]!.stdev).toBeGreaterThan(20);
    expect(posterStats.channels[0]!.mean).toBeGreaterThan(30);

    expect(result.count).toBe(8);
    expect(result.thumbnails.map((f) => path.basename(f))).toEqual(Array.from({ length: 8 }, (_, n) => thumbnailFileName(n)));
    for (const file of result.thumbnails) {
      const meta = await sharp(file).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(["webp", 320, 180]);
    }
    const cues = await checkSpriteTrack(result, frameCount / fps);
    expect(cues.length).toBe(4); // one tile per second at the default 1 s minimum

    // Whole files only: no temp file left beside them.
    const names = await readdir(outDir);
    expect(names.filter((n) => n.includes(".tmp-"))).toEqual([]);
    expect(names.sort()).toEqual(["poster.webp", "sprite.jpg", "sprite.vtt", ...result.thumbnails.map((f) => path.basename(f))].sort());
  });

  it("still avoids black when most of the video is black (a plain 'closest to average' pick would not)", async () => {
    const fps = 10;
    const { framesDir, frameCount } = await framesOf("mostly-black", { seconds: 4, fps, blackFirstSeconds: 3 });
    const outDir = path.join(work, "mostly-black-out");
    const result = await generateThumbnails({ framesDir, frameCount, fps, outDir, count: 5, maxTiles: 7, tileColumns: 3 });
    expect(result.posterFrame).toBeGreaterThanOrEqual(3 * fps);
    expect(isBlankFrame(await frameLuma(result.poster))).toBe(false);
    await checkSpriteTrack(result, frameCount / fps);
    expect(result.tiles).toMatchObject({ count: 4, columns: 3, rows: 2 });

    // A rerun with fewer thumbnails replaces the set and leaves no stale file.
    const again = await generateThumbnails({ framesDir, frameCount, fps, outDir, count: 2 });
    expect((await readdir(outDir)).filter((n) => n.startsWith("thumb-")).sort()).toEqual([thumbnailFileName(0), thumbnailFileName(1)]);
    expect(again.count).toBe(2);
  });

  it("caps the sprite at maxTiles for a long video, tiles still covering every moment", async () => {
    // 30 fps frames that stand for a 20 s video, with tiles capped at 7.
    const fps = 30;
    const { framesDir, frameCount } = await framesOf("long", { seconds: 20, fps, blackFirstSeconds: 0, width: 160, height: 90 });
    const result = await generateThumbnails({ framesDir, frameCount, fps, outDir: path.join(work, "long-out"), maxTiles: 7, tileColumns: 4, tileWidth: 80 });
    expect(result.tiles).toMatchObject({ count: 7, columns: 4, rows: 2, width: 80, height: 46 });
    const cues = await checkSpriteTrack(result, 20);
    expect(cues[1]!.startSec).toBeCloseTo(20 / 7, 3);
  });

  it("marks an all-black video's poster as blank rather than failing", async () => {
    const fps = 5;
    const { framesDir, frameCount } = await framesOf("all-black", { seconds: 2, fps, blackFirstSeconds: 2 });
    const result = await generateThumbnails({ framesDir, frameCount, fps, outDir: path.join(work, "all-black-out"), count: 3 });
    expect(result.posterIsBlank).toBe(true);
    await checkSpriteTrack(result, 2);
  });
});
