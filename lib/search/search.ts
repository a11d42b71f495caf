import { DomainError } from "@/lib/pipeline/errors";
import type { Db } from "@/lib/db/client";
import { idPrefixRange } from "./video-filter";

export interface SearchResults {
  videos: { id: string; title: string; originalName: string; status: string; createdAt: string }[];
  /** "<video id or prefix> <frame>" (or #, :) names one frame. */
  frame: { videoId: string; title: string; index: number; status: string } | null;
  errors: { videoId: string; title: string; frameIndex: number; message: string }[];
}

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * One search box for the three things operators look for: a video (title,
 * original file name, id prefix), a frame (video + index), an error (text in
 * a failed frame's last message). The error search scans failed frames only
 * (partial index on status = 'failed') and stops at 20 hits.
 */
export async function search(db: Db, raw: string): Promise<SearchResults> {
  const q = raw.trim().slice(0, 200);
  // PostgreSQL text cannot hold a NUL: refused here rather than failing in the query.
  if (q.includes("\u0000")) throw new DomainError("invalid", "invalid_query", "The search text must not contain a NUL character.");
  if (!q) return { videos: [], frame: null, errors: [] };
  const range = idPrefixRange(q);
  const like = `%${likeEscape(q)}%`;
  const { rows: videos } = await db.query<{ id: string; title: string; original_name: string; status: string; created_at: Date }>(
    `SELECT id, title, original_name, status, created_at FROM videos
      WHERE title ILIKE $1 OR original_name ILIKE $1 OR ($2::uuid IS NOT NULL AND id BETWEEN $2::uuid AND $3::uuid)
      ORDER BY created_at DESC LIMIT 10`,
    [like, range?.gte ?? null, range?.lte ?? null],
  );
  let frame: SearchResults["frame"] = null;
  const frameRef = /^([0-9a-f-]{4,36})\s*[#: ]\s*(\d{1,9})$/i.exec(q);
  const frameRange = frameRef ? idPrefixRange(frameRef[1]!) : null;
  if (frameRef && frameRange) {
    const { rows } = await db.query<{ video_id: string; title: string; frame_index: number; status: string }>(
      `SELECT f.video_id, v.title, f.frame_index, f.status FROM frame_executions f JOIN videos v ON v.id = f.video_id
        WHERE f.video_id BETWEEN $1::uuid AND $2::uuid AND f.frame_index = $3 ORDER BY v.created_at DESC LIMIT 1`,
      [frameRange.gte, frameRange.lte, Number(frameRef[2])],
    );
    if (rows[0]) frame = { videoId: rows[0].video_id, title: rows[0].title, index: rows[0].frame_index, status: rows[0].status };
  }
  const { rows: errors } = q.length >= 3
    ? await db.query<{ video_id: string; title: string; frame_index: number; message: string }>(
        // The titles are joined to the 20 hits, not to every failed frame: the
        // planner cannot estimate an ILIKE on JSON and, expecting one row, used
        // to loop over the videos once per failed frame (80 ms at 3,100).
        `SELECT e.video_id, v.title, e.frame_index, e.message
           FROM (SELECT f.video_id, f.frame_index, f.updated_at, left(f.last_error->>'message', 300) AS message
                   FROM frame_executions f
                  WHERE f.status = 'failed' AND f.last_error->>'message' ILIKE $1
                  ORDER BY f.updated_at DESC LIMIT 20) e
           JOIN videos v ON v.id = e.video_id
          ORDER BY e.updated_at DESC, e.video_id, e.frame_index`,
        [like],
      )
    : { rows: [] };
  return {
    videos: videos.map((v) => ({ id: v.id, title: v.title, originalName: v.original_name, status: v.status, createdAt: v.created_at.toISOString() })),
    frame,
    errors: errors.map((e) => ({ videoId: e.video_id, title: e.title, frameIndex: e.frame_index, message: e.message })),
  };
}
