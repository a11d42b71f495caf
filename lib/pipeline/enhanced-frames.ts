import "server-only";
import type { Db } from "@/lib/db/client";
import { FramePackReader } from "@/lib/storage/frame-packs";
import type { Storage } from "@/lib/storage/storage";
import { readResultPacks } from "./sql/result-packs";

/** Rows looked up at a time: readers go through a video's frames in order. */
const WINDOW = 512;
/** Packs kept for the frames after: a few (a pack of 64 1080p frames is ~16 MB), not the video. */
export const ENHANCED_PACK_BYTES = 32 * 1024 * 1024;

/**
 * Reads a video's enhanced frames (the encode stage, thumbnails): where each
 * one is stored comes from its row (a pack of the frames one claim enhanced,
 * or an image of its own), looked up WINDOW frames at a time, and the packs
 * are read whole and kept for the frames after (FramePackReader). The early
 * encode reads the rows anyway (readNextFrames) and goes to the packs itself.
 */
export class EnhancedFrames {
  private window = { from: 0, to: 0, packs: new Map<number, string | null>() };

  constructor(
    private readonly db: Db,
    storage: Storage,
    private readonly videoId: string,
    private readonly reader = new FramePackReader(storage, ENHANCED_PACK_BYTES),
  ) {}

  /** The enhanced image of frame `index`; null when the frame has not succeeded or its image is not stored. */
  async read(index: number): Promise<Buffer | null> {
    // A frame outside the rows looked up, or one not succeeded when they were (it may have since).
    if (index < this.window.from || index >= this.window.to || !this.window.packs.has(index)) {
      this.window = { from: index, to: index + WINDOW, packs: await readResultPacks(this.db, this.videoId, index, index + WINDOW) };
    }
    const pack = this.window.packs.get(index);
    if (pack === undefined) return null;
    return this.reader.result(this.videoId, index, pack);
  }
}
