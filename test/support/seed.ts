import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { transaction, type Db } from "@/lib/db/client";
import type { PipelineContext } from "@/lib/pipeline/context";
import { advanceVideo } from "@/lib/pipeline/flow";
import { claimFrames } from "@/lib/pipeline/sql/claim-frames";
import { insertFrames } from "@/lib/pipeline/sql/insert-frames";
import { insertStageRows } from "@/lib/pipeline/sql/stage-rows";
import { FramePackWriter, newResultPackName, readPackedFrame } from "@/lib/storage/frame-packs";
import { storageFrameStore } from "@/lib/storage/frame-store";
import { frameFileName, videoKeys } from "@/lib/storage/keys";
import type { Storage } from "@/lib/storage/storage";
import { makeFrames } from "./clips";

/**
 * A video as preprocess leaves it: metadata, `frames` extracted JPEGs, one
 * pending execution row each, preprocess succeeded and enhance running. No
 * jobs are sent: the test decides how frames reach the engine.
 */
export async function seedEnhancingVideo(ctx: PipelineContext, opts: { frames: number; width?: number; height?: number; files?: boolean }): Promise<string> {
  const id = randomUUID();
  const { width = 64, height = 48 } = opts;
  await transaction(ctx.pool, async (tx) => {
    await tx.query(
      `INSERT INTO videos (id, title, original_name, source_bytes, status, fps_num, fps_den, width, height, frame_count, has_audio, duration_sec)
       VALUES ($1, 'seeded', 'seeded.mp4', 0, 'processing', 30, 1, $2, $3, $4::int, false, $4::int / 30.0)`,
      [id, width, height, opts.frames],
    );
    await insertStageRows(tx, id);
    await tx.query(`UPDATE video_stages SET status = 'succeeded', progress = 1 WHERE video_id = $1 AND name = 'preprocess'`, [id]);
    await tx.query(`UPDATE video_stages SET status = 'skipped', message = 'seeded' WHERE video_id = $1 AND name = 'captions'`, [id]);
    await tx.query(`UPDATE video_stages SET status = 'running', started_at = now() WHERE video_id = $1 AND name = 'enhance'`, [id]);
    await insertFrames(tx, id, opts.frames, ctx.frameMaxAttempts);
  });
  if (opts.files !== false) {
    // Made on disk by ffmpeg, then stored in packs where preprocess would have put them.
    const dir = await makeFrames({ dir: await mkdtemp(path.join(os.tmpdir(), "framewise-seed-")), count: opts.frames, width, height });
    const images = await Promise.all(Array.from({ length: opts.frames }, (_, i) => readFile(path.join(dir, frameFileName(i)))));
    await storeFramePacks(ctx.storage, id, images);
    await rm(dir, { recursive: true, force: true });
  }
  return id;
}

/** Starts the enhance stage of a seeded video the way preprocess does: pending -> running, its frames sent as jobs (runs). */
export async function startEnhance(ctx: PipelineContext, videoId: string): Promise<void> {
  await transaction(ctx.pool, async (tx) => {
    await tx.query(`UPDATE video_stages SET status = 'pending' WHERE video_id = $1 AND name = 'enhance'`, [videoId]);
    await advanceVideo(tx, ctx, videoId);
  });
}

export async function stageRow(ctx: PipelineContext, videoId: string, name: string) {
  const { rows } = await ctx.pool.query(`SELECT * FROM video_stages WHERE video_id = $1 AND name = $2`, [videoId, name]);
  return rows[0];
}

export async function jobCount(ctx: PipelineContext, queue: string, videoId: string): Promise<number> {
  const { rows } = await ctx.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1 AND data->>'videoId' = $2`, [queue, videoId]);
  return rows[0]?.n ?? 0;
}

/** The enhance jobs of a video as queued: the frames each delivers (a one-frame job of an older version too), and when. */
export async function enhanceJobs(ctx: PipelineContext, videoId: string): Promise<{ frameIndexes: number[]; startAfter: Date }[]> {
  const { rows } = await ctx.pool.query<{ data: { frameIndexes?: number[]; frameIndex?: number }; start_after: Date }>(
    `SELECT data, start_after FROM pgboss.job WHERE name = 'enhance' AND data->>'videoId' = $1 AND state = 'created' ORDER BY start_after, data->'frameIndexes'->>0`,
    [videoId],
  );
  return rows.map((r) => ({ frameIndexes: r.data.frameIndexes ?? [r.data.frameIndex!], startAfter: r.start_after }));
}

/** Stores a video's extracted frames (0, 1, …) the way preprocess does: in packs (lib/storage/frame-packs.ts). */
export async function storeFramePacks(storage: Storage, videoId: string, images: Buffer[]): Promise<void> {
  const packs = new FramePackWriter((first, pack) => storage.put(videoKeys(videoId).framePack(first), pack));
  for (const [i, image] of images.entries()) await packs.add(i, image);
  await packs.flush();
}

/** Writes frame i's original image as its enhanced image, stored alone (as before packs, and for "encode anyway"). */
export async function copyOriginalToEnhanced(storage: Storage, videoId: string, index: number): Promise<void> {
  await storage.put(videoKeys(videoId).enhancedFrame(index), await originalOf(storage, videoId, index));
}

/**
 * A worker that claimed `indexes`, stored their results (their originals) as
 * its pack, and died before recording them: their leases have lapsed.
 * Returns the pack's name.
 */
export async function storeResultsAndDie(pool: Db, storage: Storage, videoId: string, indexes: number[]): Promise<string> {
  const pack = newResultPackName(indexes[0]!);
  await claimFrames(pool, videoId, indexes, "dead", 30, pack);
  const frames = await Promise.all(indexes.map(async (index) => ({ index, image: await originalOf(storage, videoId, index) })));
  await storageFrameStore(storage).writeResults(videoId, pack, frames);
  await pool.query(`UPDATE frame_executions SET lease_expires_at = now() - interval '1 second' WHERE video_id = $1 AND frame_index = ANY($2::int[])`, [videoId, indexes]);
  return pack;
}

async function originalOf(storage: Storage, videoId: string, index: number): Promise<Buffer> {
  const original = await readPackedFrame(storage, videoId, index);
  if (!original) throw new Error(`frame ${index} of ${videoId} has no stored original`);
  return original;
}
