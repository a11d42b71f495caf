import "server-only";
import type { Db } from "@/lib/db/client";

/** Of the given ids, those with no video row (deleted, or never committed). */
export async function findVideosWithoutRow(db: Db, videoIds: string[]): Promise<string[]> {
  if (videoIds.length === 0) return [];
  const { rows } = await db.query<{ id: string }>(
    `SELECT a.id::text FROM unnest($1::uuid[]) AS a(id) WHERE NOT EXISTS (SELECT 1 FROM videos v WHERE v.id = a.id)`,
    [videoIds],
  );
  return rows.map((r) => r.id);
}
