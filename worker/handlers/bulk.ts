import type { Job } from "pg-boss";
import { bulkJob } from "@/lib/bulk/queue";
import { runBulkOperation } from "@/lib/bulk/run-bulk";
import type { PipelineContext } from "@/lib/pipeline/context";

/**
 * Queue `bulk`: one bulk operation per job, worked through video by video.
 * Stopped mid-way (shutdown), it throws so pg-boss runs it again later; the
 * row's position makes the next run resume, not repeat.
 */
export function bulkHandler(ctx: PipelineContext, signal: AbortSignal) {
  return async (jobs: Job<unknown>[]) => {
    for (const job of jobs) {
      const { bulkId } = bulkJob.parse(job.data);
      if ((await runBulkOperation(ctx, bulkId, signal)) === "interrupted" && signal.aborted) throw new Error("worker stopping; bulk action resumes later");
    }
  };
}
