import "server-only";
import type { Db } from "@/lib/db/client";
import { STAGES, type StageName, type StageStatus } from "@/lib/pipeline/stages";

// Stage rows change only through guarded updates: a transition names the
// status it comes from, and 0 rows means another worker (or the operator)
// got there first.

export async function insertStageRows(db: Db, videoId: string): Promise<void> {
  await db.query(
    `INSERT INTO video_stages (video_id, name) SELECT $1, unnest($2::stage_name[]) ON CONFLICT DO NOTHING`,
    [videoId, STAGES],
  );
}

export async function readStageStatuses(db: Db, videoId: string): Promise<Record<StageName, StageStatus>> {
  const { rows } = await db.query<{ name: StageName; status: StageStatus }>(
    `SELECT name, status FROM video_stages WHERE video_id = $1`,
    [videoId],
  );
  return Object.fromEntries(rows.map((r) => [r.name, r.status])) as Record<StageName, StageStatus>;
}

export async function markStageRunning(db: Db, videoId: string, name: StageName, from: StageStatus[] = ["pending"]): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE video_stages
        SET status = 'running', started_at = now(), finished_at = NULL, error = NULL, progress = 0,
            attempts = attempts + 1, updated_at = now()
      WHERE video_id = $1 AND name = $2 AND status = ANY($3::stage_status[])`,
    [videoId, name, from],
  );
  return rowCount === 1;
}

export async function markStageFinished(
  db: Db,
  videoId: string,
  name: StageName,
  status: "succeeded" | "failed" | "skipped" | "canceled",
  extras: { error?: unknown; result?: unknown; message?: string | null } = {},
): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE video_stages
        SET status = $3::stage_status, finished_at = now(), updated_at = now(),
            progress = CASE WHEN $3::stage_status = 'succeeded' THEN 1 ELSE progress END,
            error = $4::jsonb, result = COALESCE($5::jsonb, result), message = COALESCE($6, message)
      WHERE video_id = $1 AND name = $2 AND status = 'running'`,
    [videoId, name, status, extras.error === undefined ? null : JSON.stringify(extras.error), extras.result === undefined ? null : JSON.stringify(extras.result), extras.message ?? null],
  );
  return rowCount === 1;
}

// Enhance starts with extraction (frames are claimable as they land), so
// "nothing pending or running" only means done once extraction has finished:
// before that, more rows are still to come.
const EXTRACTION_FINISHED = `EXISTS (SELECT 1 FROM video_stages p
                                     WHERE p.video_id = s.video_id AND p.name = 'preprocess' AND p.status = 'succeeded')`;

/**
 * Fan-in of the enhance stage: finishes it when extraction has finished and
 * no frame is pending or running. The row lock taken by this UPDATE
 * serialises concurrent finishers (the last frames of a video completing on
 * different workers), and the `status = 'running'` guard lets exactly one
 * of them through.
 */
export async function finishEnhanceIfDone(db: Db, videoId: string): Promise<"succeeded" | "failed" | null> {
  const { rows } = await db.query<{ status: "succeeded" | "failed" }>(
    `UPDATE video_stages s
        SET status = CASE WHEN failed > 0 THEN 'failed'::stage_status ELSE 'succeeded'::stage_status END,
            error = CASE WHEN failed > 0
                         THEN jsonb_build_object('code', 'frames_failed', 'message', failed || ' of ' || total || ' frames failed')
                    END,
            progress = CASE WHEN total > 0 THEN succeeded::float8 / total ELSE 1 END,
            finished_at = now(), updated_at = now()
      WHERE video_id = $1 AND name = 'enhance' AND status = 'running' AND pending = 0 AND running = 0
        AND ${EXTRACTION_FINISHED}
     RETURNING status`,
    [videoId],
  );
  return rows[0]?.status ?? null;
}

/** "Encode anyway": a failed enhance stage whose failed frames were all substituted by their originals becomes succeeded. */
export async function markEnhanceSubstituted(db: Db, videoId: string, message: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE video_stages SET status = 'succeeded', error = NULL, progress = 1, finished_at = now(), updated_at = now(),
            message = $2
      WHERE video_id = $1 AND name = 'enhance' AND status = 'failed' AND pending = 0 AND running = 0 AND failed = 0`,
    [videoId, message],
  );
  return rowCount === 1;
}

export async function setStageProgress(db: Db, videoId: string, name: StageName, progress: number, message?: string): Promise<void> {
  await db.query(
    `UPDATE video_stages SET progress = $3, message = COALESCE($4, message), updated_at = now()
      WHERE video_id = $1 AND name = $2 AND status = 'running'`,
    [videoId, name, Math.max(0, Math.min(1, progress)), message ?? null],
  );
}

/** Puts finished stages back to pending so they run again (after a retry re-opened an upstream stage). */
export async function resetStages(db: Db, videoId: string, names: StageName[]): Promise<void> {
  if (names.length === 0) return;
  await db.query(
    `UPDATE video_stages
        SET status = 'pending', progress = 0, error = NULL, started_at = NULL, finished_at = NULL, updated_at = now()
      WHERE video_id = $1 AND name = ANY($2::stage_name[]) AND status <> 'running'`,
    [videoId, names],
  );
}

/** A single-job stage's status; its runner works only while it is running. */
export async function readStageStatus(db: Db, videoId: string, name: StageName): Promise<StageStatus | null> {
  const { rows } = await db.query<{ status: StageStatus }>(`SELECT status FROM video_stages WHERE video_id = $1 AND name = $2`, [videoId, name]);
  return rows[0]?.status ?? null;
}

/** The error stored on a stage (for the video's own error when the stage failed). */
export async function readStageError(db: Db, videoId: string, name: StageName): Promise<{ code?: string; message?: string } | null> {
  const { rows } = await db.query<{ error: { code?: string; message?: string } | null }>(
    `SELECT error FROM video_stages WHERE video_id = $1 AND name = $2`,
    [videoId, name],
  );
  return rows[0]?.error ?? null;
}

/**
 * The enhance stage is running with nothing pending or running and
 * extraction finished: its fan-in is due (cheap pre-check, no lock). While
 * extraction runs, the engine often catches up with it; this keeps those
 * moments from taking the video's lock.
 */
export async function enhanceLooksDone(db: Db, videoId: string): Promise<boolean> {
  const { rows } = await db.query<{ done: boolean }>(
    `SELECT (pending = 0 AND running = 0 AND status = 'running' AND ${EXTRACTION_FINISHED}) AS done
       FROM video_stages s WHERE video_id = $1 AND name = 'enhance'`,
    [videoId],
  );
  return rows[0]?.done ?? false;
}

/** Enhance stages whose fan-in was missed (a crash between the last settle and the fan-in), for the sweeper. */
export async function enhanceStagesAwaitingFanIn(db: Db): Promise<string[]> {
  const { rows } = await db.query<{ video_id: string }>(
    `SELECT video_id::text FROM video_stages s
      WHERE name = 'enhance' AND status = 'running' AND pending = 0 AND running = 0 AND ${EXTRACTION_FINISHED}`,
  );
  return rows.map((r) => r.video_id);
}

/** An operator's cancel: every stage not finished becomes canceled, so nothing of the video is claimed or started again. */
export async function cancelStages(db: Db, videoId: string): Promise<void> {
  await db.query(
    `UPDATE video_stages SET status = 'canceled', finished_at = now(), updated_at = now()
      WHERE video_id = $1 AND status IN ('pending', 'running', 'failed')`,
    [videoId],
  );
}
