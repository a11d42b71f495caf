import { transaction } from "@/lib/db/client";
import type { PipelineContext } from "@/lib/pipeline/context";
import { claimVideoForFramePurge, markFramesPurged } from "@/lib/pipeline/sql/retention";
import { videoKeys } from "./keys";
import type { StorageUsage } from "./storage";

// Frame files (extracted and enhanced) serve retries and the before/after
// view; they are 12x the source for a 720p clip. FRAME_RETENTION_HOURS after
// a video completes they are removed; the source, output, poster,
// thumbnails, captions, audio and every row stay. Run by the workers' sweep.
//
// Each video is purged inside the transaction that locked its row: a crash
// mid-way rolls the mark back and the next sweep deletes the rest (deleting
// is idempotent); a retry command waits for the lock, then sees the mark.

export interface PurgeReport extends StorageUsage {
  videos: number;
}

/** Purges the frames of up to `limit` videos that are due; says what it removed. */
export async function purgeExpiredFrames(ctx: PipelineContext, retentionHours: number, limit = 10): Promise<PurgeReport> {
  const report: PurgeReport = { videos: 0, objects: 0, bytes: 0 };
  for (let i = 0; i < limit; i++) {
    const purged = await transaction(ctx.pool, async (tx) => {
      const videoId = await claimVideoForFramePurge(tx, retentionHours);
      if (!videoId) return false;
      const keys = videoKeys(videoId);
      for (const prefix of [keys.framesPrefix, keys.enhancedPrefix]) {
        const removed = await ctx.storage.deletePrefix(prefix);
        report.objects += removed.objects;
        report.bytes += removed.bytes;
      }
      await markFramesPurged(tx, videoId);
      return true;
    });
    if (!purged) break;
    report.videos++;
  }
  return report;
}
