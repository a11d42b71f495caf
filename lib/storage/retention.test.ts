import { describe, expect, it } from "vitest";
import { encodeAnyway, retryFrames } from "@/lib/pipeline/commands";
import { frameImageFile } from "@/lib/pipeline/queries/video-files";
import { getVideo } from "@/lib/pipeline/queries/videos";
import { prisma } from "@/lib/db/client";
import { createTestPipeline } from "@/test/support/pipeline";
import { startS3 } from "@/test/support/s3";
import { copyOriginalToEnhanced, seedEnhancingVideo } from "@/test/support/seed";
import { videoKeys } from "./keys";
import { purgeExpiredFrames } from "./retention";
import { s3Storage } from "./s3-storage";

// Frame retention against object storage: after a video completes its frame
// files go (after FRAME_RETENTION_HOURS), everything else stays, and what
// needed the frames answers with a sentence.

describe("frame retention", async () => {
  const s3 = await startS3();
  const storage = s3Storage(s3.settings);
  const { ctx, url } = await createTestPipeline({ storage: () => storage });
  process.env.DATABASE_URL = url;

  /** A completed video with source frames, enhanced frames and the outputs, finished `hoursAgo`. */
  async function completedVideo(hoursAgo: number): Promise<string> {
    const id = await seedEnhancingVideo(ctx, { frames: 6 });
    const keys = videoKeys(id);
    for (let i = 0; i < 6; i++) await copyOriginalToEnhanced(storage, id, i);
    await storage.put(keys.source, Buffer.alloc(3000, 1));
    await storage.put(keys.output, Buffer.alloc(2000, 2));
    await storage.put(keys.thumbnail("poster.webp"), Buffer.alloc(100, 3));
    await ctx.pool.query(`UPDATE frame_executions SET status = 'succeeded', finished_at = now() WHERE video_id = $1`, [id]);
    await ctx.pool.query(`UPDATE video_stages SET status = 'succeeded' WHERE video_id = $1`, [id]);
    await ctx.pool.query(`UPDATE videos SET status = 'completed', finished_at = now() - $2 * interval '1 hour' WHERE id = $1`, [id, hoursAgo]);
    return id;
  }

  it("purges the frames of videos completed longer ago than the retention, keeps every other file and every row", async () => {
    const old = await completedVideo(200);
    const recent = await completedVideo(1);
    const keys = videoKeys(old);
    const before = await storage.usage(keys.prefix);
    const frameBytes = (await storage.usage(keys.framesPrefix)).bytes + (await storage.usage(keys.enhancedPrefix)).bytes;
    expect(frameBytes).toBeGreaterThan(0);

    const report = await purgeExpiredFrames(ctx, 168);
    // 6 frames: one pack of extracted frames and 6 enhanced images.
    expect(report).toEqual({ videos: 1, objects: 7, bytes: frameBytes });
    const after = await storage.usage(keys.prefix);
    expect(after).toEqual({ objects: before.objects - 7, bytes: before.bytes - frameBytes });
    expect(await storage.head(keys.output)).not.toBeNull();
    expect(await storage.head(keys.source)).not.toBeNull();
    expect(await storage.head(keys.thumbnail("poster.webp"))).not.toBeNull();
    expect((await ctx.pool.query(`SELECT count(*)::int AS n FROM frame_executions WHERE video_id = $1`, [old])).rows[0].n).toBe(6);
    // The recent one keeps its frames; a second sweep has nothing to do.
    expect((await storage.usage(videoKeys(recent).framesPrefix)).objects).toBe(1);
    expect(await purgeExpiredFrames(ctx, 168)).toEqual({ videos: 0, objects: 0, bytes: 0 });
    // 0 hours: at once.
    expect((await purgeExpiredFrames(ctx, 0)).videos).toBe(1);
    expect((await storage.usage(videoKeys(recent).framesPrefix)).objects).toBe(0);
  });

  it("says so on the video, and answers a retry, encode anyway and the before/after images with a sentence", async () => {
    const id = await completedVideo(0);
    await purgeExpiredFrames(ctx, 0);
    const video = await getVideo(prisma(), id);
    expect(video.framesPurgedAt).toEqual(expect.any(String));

    const retry = await retryFrames(ctx, id, { status: "failed" }).catch((e) => e);
    expect(retry).toMatchObject({ code: "frames_purged" });
    expect(retry.message).toMatch(/^The frame images of this video were removed on \d{4}-\d\d-\d\d \d\d:\d\d UTC .*cannot be retried/);
    const anyway = await encodeAnyway(ctx, id).catch((e) => e);
    expect(anyway).toMatchObject({ code: "frames_purged" });
    const image = await frameImageFile(ctx.pool, id, "2", "enhanced");
    expect(await storage.head(image.key)).toBeNull();
    expect(image.missing).toMatch(/^The frame images of this video were removed on .* the enhanced video, thumbnails and captions are kept\.$/);
  });
});
