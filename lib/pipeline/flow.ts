import "server-only";
import type pg from "pg";
import { transaction } from "@/lib/db/client";
import { sendEncodeAheadJob, sendFrameJobs, sendVideoJob } from "@/lib/queue/boss";
import type { PipelineContext } from "./context";
import { pendingFrameIndexes } from "./sql/frame-indexes";
import { insertFrameRange } from "./sql/insert-frames";
import { finishEnhanceIfDone, markStageFinished, readStageError, readStageStatus, readStageStatuses, markStageRunning } from "./sql/stage-rows";
import { lockVideo, setVideoStatus } from "./sql/video-rows";
import { readyStages, STAGES, videoStatusFrom, type StageName } from "./stages";
import { emitFramesFailed, emitVideoStatusEvent } from "@/lib/webhooks/emit";

/**
 * Starts every stage whose dependencies have finished and brings the video's
 * status in line with its stages. Runs inside the caller's transaction, under
 * the video's advisory lock, so the jobs it sends exist if and only if the
 * transition commits. Each start is a guarded pending -> running update, so a
 * stage starts exactly once.
 */
export async function advanceVideo(tx: pg.PoolClient, ctx: PipelineContext, videoId: string): Promise<void> {
  const statuses = await readStageStatuses(tx, videoId);
  // Enhance runs alongside extraction; when extraction has just finished,
  // every frame may already be settled, and no settle is left to see it.
  if (statuses.enhance === "running" && statuses.preprocess === "succeeded") {
    const finished = await finishEnhanceIfDone(tx, videoId);
    if (finished === "failed") await emitFramesFailed(tx, ctx.boss, videoId);
    if (finished) statuses.enhance = finished;
  }
  for (let ready = readyStages(statuses); ready.length > 0; ready = readyStages(statuses)) {
    for (const stage of ready) {
      if (!(await markStageRunning(tx, videoId, stage))) {
        statuses[stage] = "running";
        continue;
      }
      statuses[stage] = "running";
      if (stage === "enhance") {
        const pending = await pendingFrameIndexes(tx, videoId);
        await sendFrameJobs(ctx.boss, pending.map((frameIndex) => ({ videoId, frameIndex })), { client: tx });
        // Nothing left to enhance (every frame already succeeded): finish now.
        const finished = await finishEnhanceIfDone(tx, videoId);
        if (finished) statuses.enhance = finished;
        else await sendEncodeAheadJob(ctx.boss, videoId, tx);
      } else {
        await sendVideoJob(ctx.boss, stage, { videoId }, tx);
      }
    }
  }
  const failed = STAGES.find((s) => statuses[s] === "failed");
  const error = failed ? await stageError(tx, videoId, failed) : null;
  const status = videoStatusFrom(statuses);
  if (await setVideoStatus(tx, videoId, status, error)) await emitVideoStatusEvent(tx, ctx.boss, videoId, status);
}

async function stageError(tx: pg.PoolClient, videoId: string, stage: StageName) {
  const e = await readStageError(tx, videoId, stage);
  return { code: e?.code ?? `${stage}_failed`, message: `${stage}: ${e?.message ?? "failed"}` };
}

/**
 * Extraction has begun: the enhance stage starts with it, so that frames
 * are enhanced as they land (addExtractedFrames) rather than after the whole
 * extraction, and so does the early encode of the enhanced frames. Its fan-in still waits for extraction to finish
 * (finishEnhanceIfDone). A re-run of preprocess finds it running already.
 */
export async function startEnhanceWithExtraction(ctx: PipelineContext, videoId: string): Promise<void> {
  await transaction(ctx.pool, async (tx) => {
    await lockVideo(tx, videoId);
    if ((await readStageStatus(tx, videoId, "preprocess")) !== "running") return;
    // Encoding starts with it too (runners/encode-ahead.ts), frame by frame as they are enhanced.
    if (await markStageRunning(tx, videoId, "enhance")) await sendEncodeAheadJob(ctx.boss, videoId, tx);
  });
}

/**
 * Frames [from, to) are in storage: their execution rows, and their jobs
 * when the enhance stage is running, in one transaction under the video's
 * lock (a cancel or a stage retry sees all of them or none). Rows that
 * exist already (an extraction run again after a crash) get no second job.
 * Nothing is added once preprocess is no longer running (canceled).
 */
export async function addExtractedFrames(ctx: PipelineContext, videoId: string, from: number, to: number, tx?: pg.PoolClient): Promise<number> {
  const add = async (db: pg.PoolClient) => {
    await lockVideo(db, videoId);
    const statuses = await readStageStatuses(db, videoId);
    if (statuses.preprocess !== "running") return 0;
    const inserted = await insertFrameRange(db, videoId, from, to, ctx.frameMaxAttempts);
    if (statuses.enhance === "running") await sendFrameJobs(ctx.boss, inserted.map((frameIndex) => ({ videoId, frameIndex })), { client: db });
    return inserted.length;
  };
  return tx ? add(tx) : transaction(ctx.pool, add);
}

/** A single-job stage (preprocess, thumbnails, captions, encode) is done. */
export async function finishStage(
  ctx: PipelineContext,
  videoId: string,
  stage: Exclude<StageName, "enhance">,
  status: "succeeded" | "failed" | "skipped",
  extras: { error?: unknown; result?: unknown; message?: string | null } = {},
  inTransaction?: (tx: pg.PoolClient) => Promise<void>,
): Promise<boolean> {
  return transaction(ctx.pool, async (tx) => {
    await lockVideo(tx, videoId);
    await inTransaction?.(tx);
    if (!(await markStageFinished(tx, videoId, stage, status, extras))) return false;
    await advanceVideo(tx, ctx, videoId);
    return true;
  });
}

/**
 * Fan-in of the enhance stage, run after frames settle (in its own
 * transaction, after the settle committed: taking the video lock while
 * holding frame and counter locks could deadlock with an operator's retry).
 * If a crash lands between the two, the sweeper finds the stage with nothing
 * pending or running and calls this again.
 */
export async function finishEnhanceWhenDone(ctx: PipelineContext, videoId: string): Promise<"succeeded" | "failed" | null> {
  return transaction(ctx.pool, async (tx) => {
    await lockVideo(tx, videoId);
    const finished = await finishEnhanceIfDone(tx, videoId);
    if (finished === "failed") await emitFramesFailed(tx, ctx.boss, videoId);
    if (finished) await advanceVideo(tx, ctx, videoId);
    return finished;
  });
}

/** Called by stage handlers: true when the stage is running and should do its work now. */
export async function isStageRunning(db: pg.Pool | pg.PoolClient, videoId: string, stage: StageName): Promise<boolean> {
  return (await readStageStatus(db, videoId, stage)) === "running";
}
