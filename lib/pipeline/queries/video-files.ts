import "server-only";
import type { Db } from "@/lib/db/client";
import { DomainError } from "@/lib/pipeline/errors";
import { THUMBNAIL_FILES, thumbnailFileName } from "@/lib/media/thumbnails";
import { videoKeys } from "@/lib/storage/keys";
import type { Storage } from "@/lib/storage/storage";
import { readResultPacks } from "../sql/result-packs";
import { readFrameVideo } from "./frame-detail";
import { readVideoHeader } from "./video-lookup";

// Which stored object an output URL means. Every key is built from the video
// id (a UUID the database knows) and a name from a fixed list or a number:
// nothing from the URL is ever joined into a key.

export interface ServedFile {
  key: string;
  contentType: string;
  missing: string;
  /**
   * A frame read out of a pack (lib/storage/frame-packs.ts); `key` is the
   * pack's. An extracted frame, or, with `resultPack`, an enhanced one.
   */
  packedFrame?: { videoId: string; index: number; resultPack?: string };
}

export async function outputFile(db: Db, rawVideoId: string): Promise<ServedFile> {
  const { id } = await readVideoHeader(db, rawVideoId);
  return { key: videoKeys(id).output, contentType: "video/mp4", missing: "This video has no enhanced output yet." };
}

export async function captionsFile(db: Db, rawVideoId: string): Promise<ServedFile> {
  const { id } = await readVideoHeader(db, rawVideoId);
  return { key: videoKeys(id).captions, contentType: "text/vtt; charset=utf-8", missing: "This video has no captions yet." };
}

const thumbnailNotFound = (name: string) =>
  new DomainError("not_found", "thumbnail_not_found", `There is no thumbnail "${name.slice(0, 40)}": use 0, 1, ..., "poster" or "sprite".`);

/** /thumbnails/{n}: n = 0..999 (thumb-000.webp ...), "poster", or "sprite" (the scrubbing sprite the VTT points into). */
export async function thumbnailFile(db: Db, rawVideoId: string, name: string): Promise<ServedFile> {
  const { id } = await readVideoHeader(db, rawVideoId);
  const thumbnail = videoKeys(id).thumbnail;
  if (name === "poster") return { key: thumbnail(THUMBNAIL_FILES.poster), contentType: "image/webp", missing: "This video has no poster yet." };
  if (name === "sprite" || name === THUMBNAIL_FILES.sprite) {
    return { key: thumbnail(THUMBNAIL_FILES.sprite), contentType: "image/jpeg", missing: "This video has no thumbnail sprite yet." };
  }
  if (!/^(0|[1-9]\d{0,2})$/.test(name)) throw thumbnailNotFound(name);
  const n = Number(name);
  return { key: thumbnail(thumbnailFileName(n)), contentType: "image/webp", missing: `This video has no thumbnail ${n} (yet).` };
}

export function thumbnailUrl(videoId: string, name: number | "poster" | "sprite"): string {
  return `/api/videos/${videoId}/thumbnails/${name}`;
}

/**
 * /thumbnails.vtt. The thumbnails stage writes cues that point at the sprite
 * relative to its own folder ("sprite.jpg#xywh=..."); served from
 * /api/videos/{id}/thumbnails.vtt that would resolve to a URL nobody serves,
 * so those references become the sprite's absolute URL. The file is small
 * (<= 200 cues), so it is read whole rather than streamed.
 */
export async function thumbnailsVtt(db: Db, storage: Storage, rawVideoId: string): Promise<string> {
  const { id } = await readVideoHeader(db, rawVideoId);
  const text = (await storage.get(videoKeys(id).thumbnail(THUMBNAIL_FILES.spriteVtt)))?.toString("utf8") ?? null;
  if (text === null) throw new DomainError("not_found", "not_ready", "This video has no thumbnail track yet.");
  return rewriteSpriteReferences(text, thumbnailUrl(id, "sprite"));
}

export function rewriteSpriteReferences(vtt: string, spriteUrl: string): string {
  const relative = THUMBNAIL_FILES.sprite.replace(/\./g, "\\.");
  return vtt.replace(new RegExp(`^(?:\\./)?${relative}(?=#xywh=|$)`, "gm"), spriteUrl);
}

export const FRAME_IMAGE_KINDS = ["original", "enhanced"] as const;
export type FrameImageKind = (typeof FRAME_IMAGE_KINDS)[number];

/** /frames/{n}/image?kind=original|enhanced. */
export async function frameImageFile(db: Db, rawVideoId: string, rawIndex: string, rawKind: string | null): Promise<ServedFile> {
  const kind = rawKind ?? "original";
  if (!(FRAME_IMAGE_KINDS as readonly string[]).includes(kind)) {
    throw new DomainError("invalid", "invalid_kind", `kind must be "original" or "enhanced".`);
  }
  const { video, index } = await readFrameVideo(db, rawVideoId, rawIndex);
  const keys = videoKeys(video.id);
  const purgedAt = await framesPurgedAtOf(db, video.id);
  if (purgedAt) {
    const when = purgedAt.toISOString().slice(0, 16).replace("T", " ");
    return { key: kind === "enhanced" ? keys.enhancedFrame(index) : keys.framePack(index), contentType: "image/jpeg", missing: `The frame images of this video were removed on ${when} UTC (frames are kept FRAME_RETENTION_HOURS after a video completes); the enhanced video, thumbnails and captions are kept.` };
  }
  if (kind === "original") {
    return { key: keys.framePack(index), packedFrame: { videoId: video.id, index }, contentType: "image/jpeg", missing: `The original image of frame ${index} is not in storage (not extracted yet, or removed).` };
  }
  const missing = `Frame ${index} has no enhanced image: it has not been enhanced (yet).`;
  const pack = (await readResultPacks(db, video.id, index, index + 1)).get(index);
  // Not succeeded (nothing there), or stored alone: enhanced before packs, or the original "encode anyway" used.
  if (!pack) return { key: keys.enhancedFrame(index), contentType: "image/jpeg", missing };
  return { key: keys.resultPack(pack), packedFrame: { videoId: video.id, index, resultPack: pack }, contentType: "image/jpeg", missing };
}

async function framesPurgedAtOf(db: Db, videoId: string): Promise<Date | null> {
  const { rows } = await db.query<{ frames_purged_at: Date | null }>(`SELECT frames_purged_at FROM videos WHERE id = $1`, [videoId]);
  return rows[0]?.frames_purged_at ?? null;
}
