import type pg from "pg";
import { z } from "zod";
import { transaction, type Db } from "@/lib/db/client";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import type { Actor } from "@/lib/audit/record";
import { DomainError } from "@/lib/pipeline/errors";
import type { PipelineContext } from "@/lib/pipeline/context";
import { videoFilter, videoWhere } from "@/lib/search/video-filter";
import { sendBulkJob } from "./queue";

export const BULK_ACTIONS = ["cancel", "delete", "retry_failed"] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];

/** One bulk action touches at most this many videos; a larger filter is refused with the count. */
export const MAX_BULK_VIDEOS = 10_000;

export const bulkRequest = z
  .object({
    action: z.enum(BULK_ACTIONS),
    ids: z.array(z.string().uuid()).min(1).max(MAX_BULK_VIDEOS).optional(),
    filter: videoFilter.strict().optional(),
    // retry_failed only: just this error group ("retry this group everywhere").
    fingerprint: z.string().min(1).max(500).optional(),
  })
  .strict()
  .refine((b) => (b.ids === undefined) !== (b.filter === undefined), "give either ids or filter")
  .refine((b) => b.fingerprint === undefined || b.action === "retry_failed", "fingerprint is for retry_failed");
export type BulkRequest = z.infer<typeof bulkRequest>;

export interface BulkView {
  id: string;
  action: BulkAction;
  status: "queued" | "running" | "completed" | "failed";
  total: number;
  done: number;
  skipped: number;
  errors: { videoId: string; code: string; message: string }[];
  createdAt: string;
  finishedAt: string | null;
}

/** The videos a request names: its ids as given (deduplicated), or what its filter matches now. */
export async function resolveTargets(prisma: PrismaClient, request: BulkRequest): Promise<string[]> {
  if (request.ids) return [...new Set(request.ids)];
  // "Retry this group everywhere": only the videos that have failed frames in the group.
  const inGroup = request.fingerprint ? [{ frames: { some: { status: "failed" as const, errorFingerprint: request.fingerprint } } }] : [];
  const where = { AND: [videoWhere(request.filter ?? {}), ...inGroup] };
  const rows = await prisma.video.findMany({ where, select: { id: true }, orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: MAX_BULK_VIDEOS + 1 });
  if (rows.length > MAX_BULK_VIDEOS) {
    throw new DomainError("invalid", "too_many_videos", `The filter matches more than ${MAX_BULK_VIDEOS.toLocaleString("en-US")} videos; narrow it down.`);
  }
  return rows.map((r) => r.id);
}

/** Records the operation and queues it, in one transaction. */
export async function createBulkOperation(pool: pg.Pool, ctx: Pick<PipelineContext, "boss">, input: { request: BulkRequest; videoIds: string[]; actor: Actor }): Promise<{ id: string; total: number }> {
  if (input.videoIds.length === 0) throw new DomainError("invalid", "no_videos", "No video matches: there is nothing to do.");
  return transaction(pool, async (tx) => {
    const { rows } = await tx.query<{ id: string }>(
      `INSERT INTO bulk_operations (id, action, video_ids, request, actor) VALUES (gen_random_uuid(), $1, $2, $3, $4) RETURNING id`,
      [input.request.action, input.videoIds, JSON.stringify(input.request), JSON.stringify(input.actor)],
    );
    await sendBulkJob(ctx.boss, rows[0]!.id, tx);
    return { id: rows[0]!.id, total: input.videoIds.length };
  });
}

export async function getBulkOperation(db: Db, id: string): Promise<BulkView> {
  const { rows } = await db.query<{ id: string; action: BulkAction; status: BulkView["status"]; total: number; done: number; skipped: number; errors: BulkView["errors"]; created_at: Date; finished_at: Date | null }>(
    `SELECT id, action, status, cardinality(video_ids) AS total, done, skipped, errors, created_at, finished_at FROM bulk_operations WHERE id = $1`,
    [id],
  );
  const r = rows[0];
  if (!r) throw new DomainError("not_found", "bulk_not_found", "No such bulk action.");
  return { id: r.id, action: r.action, status: r.status, total: r.total, done: r.done, skipped: r.skipped, errors: r.errors, createdAt: r.created_at.toISOString(), finishedAt: r.finished_at?.toISOString() ?? null };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function bulkId(raw: string): string {
  if (!UUID.test(raw)) throw new DomainError("not_found", "bulk_not_found", "No such bulk action.");
  return raw;
}
