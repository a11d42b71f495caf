import "server-only";
import { transaction } from "@/lib/db/client";
import { sendVideoJob } from "@/lib/queue/boss";
import type { PipelineContext } from "../context";
import type { StageName } from "../stages";

/**
 * A stage run failed for a reason that may pass: the stage stays running,
 * shows the error and when it runs again, and its next job (attempt n + 1)
 * is sent in the same transaction, so the retry exists if and only if the
 * stage is still running (not canceled or deleted meanwhile).
 */
export async function scheduleStageRetry(
  ctx: PipelineContext,
  videoId: string,
  stage: Exclude<StageName, "enhance">,
  next: { attempt: number; at: Date; error: { message: string } & Record<string, unknown> },
): Promise<boolean> {
  return transaction(ctx.pool, async (tx) => {
    const { rowCount } = await tx.query(
      `UPDATE video_stages
          SET error = $3::jsonb, message = $4, updated_at = now()
        WHERE video_id = $1 AND name = $2 AND status = 'running'`,
      [videoId, stage, JSON.stringify({ ...next.error, retryAt: next.at.toISOString() }), `attempt ${next.attempt - 1} failed (${next.error.message}); retrying`],
    );
    if (rowCount !== 1) return false;
    await sendVideoJob(ctx.boss, stage, { videoId, attempt: next.attempt }, tx, next.at);
    return true;
  });
}
