import "server-only";
import { listVideoFolders, removeVideoFolder } from "@/lib/storage/video-folders";
import type { PipelineContext } from "./context";
import { findVideosWithoutRow } from "./sql/orphan-videos";

/**
 * Removes video folders whose video row is gone: what a delete could not
 * remove while a worker was still writing into it, or what a crash left
 * between creating a folder and committing its row. Only folders untouched
 * for `graceSeconds`: a video being created has its folder a moment before
 * its row commits.
 */
export async function sweepOrphanFolders(ctx: PipelineContext, opts: { graceSeconds: number; now?: number }): Promise<string[]> {
  const cutoff = (opts.now ?? Date.now()) - opts.graceSeconds * 1000;
  const old = (await listVideoFolders(ctx.dataDir)).filter((f) => f.modifiedAt.getTime() < cutoff).map((f) => f.videoId);
  const orphans = await findVideosWithoutRow(ctx.pool, old);
  const removed: string[] = [];
  for (const id of orphans) {
    try {
      await removeVideoFolder(ctx.dataDir, id);
      removed.push(id);
    } catch {
      // still busy: the next sweep tries again
    }
  }
  return removed;
}
