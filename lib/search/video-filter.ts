import { z } from "zod";
import type { Prisma } from "@/lib/generated/prisma/client";

// "Which videos": the videos list and bulk actions on "all N matching this
// filter" use this one definition, so the count a confirmation states is the
// set the action touches.
export const videoFilter = z.object({
    status: z.enum(["queued", "processing", "completed", "failed", "canceled"]).optional(),
    // Title or original file name (contains, any case), or an id prefix.
    // PostgreSQL text cannot hold a NUL: refused here rather than failing in the query.
    q: z.string().trim().min(1).max(200).refine((v) => !v.includes("\u0000"), "must not contain a NUL character").optional(),
    from: z.iso.datetime({ offset: true }).or(z.iso.date()).optional(),
    to: z.iso.datetime({ offset: true }).or(z.iso.date()).optional(),
  });
export type VideoFilter = z.infer<typeof videoFilter>;

/**
 * An id prefix as a range of UUIDs ("3f2a" -> 3f2a0000-... .. 3f2affff-...),
 * so it is an index range scan; null when q cannot be one.
 */
export function idPrefixRange(q: string): { gte: string; lte: string } | null {
  const hex = q.toLowerCase().replaceAll("-", "");
  if (!/^[0-9a-f]{4,32}$/.test(hex)) return null;
  const dashed = (s: string) => `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  return { gte: dashed(hex.padEnd(32, "0")), lte: dashed(hex.padEnd(32, "f")) };
}

/** A date-only bound covers its whole day: `to=2026-11-30` includes that day. */
function bound(value: string, end: boolean): Date {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return new Date(Date.parse(`${value}T00:00:00Z`) + (end ? 86_400_000 : 0));
  return new Date(value);
}

export function videoWhere(filter: VideoFilter): Prisma.VideoWhereInput {
  const and: Prisma.VideoWhereInput[] = [];
  if (filter.status) and.push({ status: filter.status });
  if (filter.q) {
    const range = idPrefixRange(filter.q);
    and.push({
      OR: [
        { title: { contains: filter.q, mode: "insensitive" } },
        { originalName: { contains: filter.q, mode: "insensitive" } },
        ...(range ? [{ id: range }] : []),
      ],
    });
  }
  if (filter.from) and.push({ createdAt: { gte: bound(filter.from, false) } });
  if (filter.to) and.push({ createdAt: { lt: bound(filter.to, true) } });
  return { AND: and };
}
