import "server-only";
import type { Db } from "@/lib/db/client";

/** Of the given videos, those an operator canceled or deleted: their work must stop. */
export async function findStoppedVideos(db: Db, videoIds: string[]): Promise<string[]> {
  if (videoIds.length === 0) return [];
  const { rows } = await db.query<{ id: string }>(
    `SELECT a.id::text
       FROM unnest($1::uuid[]) AS a(id)
       LEFT JOIN videos v ON v.id = a.id
      WHERE v.id IS NULL OR v.status = 'canceled'`,
    [videoIds],
  );
  return rows.map((r) => r.id);
}
