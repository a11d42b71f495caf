import { z } from "zod";
import type { Db } from "@/lib/db/client";
import type { AuditItem } from "./describe";

export const auditParams = z.object({
  videoId: z.string().uuid().optional(),
  // Part of a user's email or a token's name, case-insensitive.
  actor: z.string().trim().min(1).max(320).optional(),
  // An action ("video.retry") or a family ("video").
  action: z.string().trim().regex(/^[a-z_.]+$/, "action: letters, dots and underscores").max(100).optional(),
  result: z.enum(["ok", "refused"]).optional(),
  cursor: z.string().regex(/^\d{1,19}$/, "cursor: the nextCursor of the previous page").optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type AuditParams = z.infer<typeof auditParams>;

export function parseAuditParams(search: URLSearchParams): AuditParams {
  return auditParams.parse(Object.fromEntries([...search.entries()].filter(([, v]) => v !== "")));
}

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Newest first, keyset-paginated on the row id. */
export async function listAudit(db: Db, params: AuditParams): Promise<{ items: AuditItem[]; nextCursor: string | null }> {
  const where: string[] = [];
  const values: unknown[] = [];
  const param = (v: unknown) => `$${values.push(v)}`;
  if (params.videoId) where.push(`video_id = ${param(params.videoId)}`);
  if (params.actor) where.push(`actor ILIKE ${param(`%${likeEscape(params.actor)}%`)}`);
  if (params.action) where.push(`(action = ${param(params.action)} OR action LIKE ${param(`${likeEscape(params.action)}.%`)})`);
  if (params.result === "ok") where.push(`result = 'ok'`);
  if (params.result === "refused") where.push(`result <> 'ok'`);
  if (params.cursor) where.push(`id < ${param(params.cursor)}::bigint`);
  const { rows } = await db.query<{ id: string; at: Date; actor: string; action: string; video_id: string | null; detail: Record<string, unknown> | null; result: string; ip: string | null }>(
    `SELECT id::text, at, actor, action, video_id, detail, result, ip FROM audit_events
      ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
      ORDER BY id DESC LIMIT ${param(params.limit + 1)}`,
    values,
  );
  const page = rows.slice(0, params.limit);
  return {
    items: page.map((r) => ({ id: r.id, at: r.at.toISOString(), actor: r.actor, action: r.action, videoId: r.video_id, detail: r.detail, result: r.result, ip: r.ip })),
    nextCursor: rows.length > params.limit ? page.at(-1)!.id : null,
  };
}
