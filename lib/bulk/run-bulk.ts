import type pg from "pg";
import { recordAudit, type Actor } from "@/lib/audit/record";
import { cancelVideo, deleteVideo, retryFrames } from "@/lib/pipeline/commands";
import type { PipelineContext } from "@/lib/pipeline/context";
import { DomainError } from "@/lib/pipeline/errors";
import type { BulkAction, BulkRequest } from "./operations";

type ItemOutcome = { ok: true; detail: Record<string, unknown> } | { ok: false; code: string; message: string };

const AUDIT_ACTION: Record<BulkAction, string> = { cancel: "video.cancel", delete: "video.delete", retry_failed: "video.retry" };

async function applyTo(ctx: PipelineContext, action: BulkAction, request: BulkRequest, videoId: string): Promise<ItemOutcome> {
  try {
    if (action === "cancel") return { ok: true, detail: await cancelVideo(ctx, videoId) };
    if (action === "delete") {
      await deleteVideo(ctx, videoId);
      return { ok: true, detail: {} };
    }
    const selector = request.fingerprint ? { fingerprint: request.fingerprint } : { status: "failed" as const };
    return { ok: true, detail: { ...selector, ...(await retryFrames(ctx, videoId, selector)) } };
  } catch (error) {
    // A video this action does not apply to (finished, nothing failed,
    // already deleted) is skipped with the command's own sentence.
    if (error instanceof DomainError) return { ok: false, code: error.code, message: error.message };
    return { ok: false, code: "error", message: (error as Error).message };
  }
}

/**
 * Works through a bulk operation, one video at a time, from where it stands.
 * Each step is one guarded update of the operation's row (WHERE position =
 * the step), so a second runner of the same operation (a duplicate job)
 * cannot count a video twice: it finds the position moved and stops. Each
 * video's action is recorded in the audit trail under the person who asked.
 */
export async function runBulkOperation(ctx: PipelineContext, bulkId: string, signal?: AbortSignal): Promise<"completed" | "not_runnable" | "interrupted"> {
  const pool: pg.Pool = ctx.pool;
  const { rows } = await pool.query<{ action: BulkAction; video_ids: string[]; request: BulkRequest; actor: Actor; position: number }>(
    `UPDATE bulk_operations SET status = 'running', started_at = COALESCE(started_at, now())
      WHERE id = $1 AND status IN ('queued', 'running')
      RETURNING action, video_ids, request, actor, position`,
    [bulkId],
  );
  const op = rows[0];
  if (!op) return "not_runnable";
  for (let position = op.position; position < op.video_ids.length; position++) {
    if (signal?.aborted) return "interrupted";
    const videoId = op.video_ids[position]!;
    const outcome = await applyTo(ctx, op.action, op.request, videoId);
    const error = outcome.ok ? null : { videoId, code: outcome.code, message: outcome.message };
    const { rowCount } = await pool.query(
      `UPDATE bulk_operations
          SET position = position + 1, done = done + $3, skipped = skipped + $4,
              errors = CASE WHEN $5::jsonb IS NULL OR jsonb_array_length(errors) >= 100 THEN errors ELSE errors || $5::jsonb END
        WHERE id = $1 AND position = $2 AND status = 'running'`,
      [bulkId, position, outcome.ok ? 1 : 0, outcome.ok ? 0 : 1, error ? JSON.stringify([error]) : null],
    );
    if (rowCount === 0) return "interrupted";
    await recordAudit(pool, op.actor, {
      action: AUDIT_ACTION[op.action],
      videoId,
      detail: { bulkId, ...(outcome.ok ? outcome.detail : {}) },
      result: outcome.ok ? "ok" : outcome.code,
    }).catch((e) => console.error("[audit] could not record:", e));
  }
  await pool.query(`UPDATE bulk_operations SET status = 'completed', finished_at = now() WHERE id = $1 AND status = 'running'`, [bulkId]);
  return "completed";
}
