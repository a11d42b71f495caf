import "server-only";
import type { Db } from "@/lib/db/client";

// The early encode's row (encode_ahead, see prisma/schema.prisma). Every
// write after the claim is fenced by (worker_id, status = 'running'): a
// worker whose early encode was taken over changes nothing.

export type EncodeAheadStatus = "running" | "done" | "abandoned";

export interface EncodeAheadRow {
  status: EncodeAheadStatus;
  frames: number;
  reason: string | null;
  /** Seconds since the holder last beat. */
  silentSeconds: number;
}

/**
 * Starts the early encode of a video, for this worker: only while its encode
 * stage is still pending, and only once (or again after a holder stopped
 * beating for `staleSeconds`: it crashed mid-way).
 */
export async function claimEncodeAhead(db: Db, videoId: string, workerId: string, staleSeconds: number): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO encode_ahead (video_id, status, worker_id)
     SELECT $1, 'running', $2
      WHERE EXISTS (SELECT 1 FROM video_stages WHERE video_id = $1 AND name = 'encode' AND status = 'pending')
     ON CONFLICT (video_id) DO UPDATE
        SET status = 'running', worker_id = $2, frames = 0, reason = NULL, heartbeat_at = now(), started_at = now(), finished_at = NULL
      WHERE encode_ahead.status = 'running' AND encode_ahead.heartbeat_at < now() - make_interval(secs => $3)`,
    [videoId, workerId, staleSeconds],
  );
  return rowCount === 1;
}

/** Still ours: records progress. False when the early encode was taken over or ended. */
export async function beatEncodeAhead(db: Db, videoId: string, workerId: string, frames: number): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE encode_ahead SET frames = $3, heartbeat_at = now()
      WHERE video_id = $1 AND worker_id = $2 AND status = 'running'`,
    [videoId, workerId, frames],
  );
  return rowCount === 1;
}

export async function finishEncodeAhead(db: Db, videoId: string, workerId: string, status: "done" | "abandoned", frames: number, reason: string | null): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE encode_ahead SET status = $3, frames = $4, reason = $5, heartbeat_at = now(), finished_at = now()
      WHERE video_id = $1 AND worker_id = $2 AND status = 'running'`,
    [videoId, workerId, status, frames, reason],
  );
  return rowCount === 1;
}

export async function readEncodeAhead(db: Db, videoId: string): Promise<EncodeAheadRow | null> {
  const { rows } = await db.query<EncodeAheadRow>(
    `SELECT status, frames, reason, extract(epoch FROM now() - heartbeat_at)::float8 AS "silentSeconds"
       FROM encode_ahead WHERE video_id = $1`,
    [videoId],
  );
  return rows[0] ?? null;
}

/** The encode stage gives up on a holder that stopped beating; false when it is alive after all (or finished). */
export async function takeOverEncodeAhead(db: Db, videoId: string, staleSeconds: number): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE encode_ahead SET status = 'abandoned', reason = 'the worker stopped reporting; the encode stage encoded the frames itself', finished_at = now()
      WHERE video_id = $1 AND status = 'running' AND heartbeat_at < now() - make_interval(secs => $2)`,
    [videoId, staleSeconds],
  );
  return rowCount === 1;
}

export type NextFrames =
  /**
   * Frames `from` .. `from + packs.length - 1` are enhanced (none: wait);
   * packs[i] is where frame `from + i`'s image is (its row's result_pack).
   */
  | { kind: "ready"; packs: (string | null)[] }
  /** Frame `from` failed for good: the output waits for a retry or "encode anyway". */
  | { kind: "failed" }
  /** Extraction has finished and every frame before `from` was handed out. */
  | { kind: "end" };

/**
 * What the early encode may take next, in frame order. Reads the preprocess
 * status before the frames: once it reads `succeeded`, every frame row has
 * been committed (they are added before extraction finishes), so a missing
 * row then means the end.
 */
export async function readNextFrames(db: Db, videoId: string, from: number, limit: number): Promise<NextFrames> {
  const { rows: stage } = await db.query<{ status: string }>(`SELECT status FROM video_stages WHERE video_id = $1 AND name = 'preprocess'`, [videoId]);
  const extracted = stage[0]?.status === "succeeded";
  const { rows } = await db.query<{ frame_index: number; status: string; result_pack: string | null }>(
    `SELECT frame_index, status, result_pack FROM frame_executions
      WHERE video_id = $1 AND frame_index >= $2
      ORDER BY frame_index LIMIT $3`,
    [videoId, from, limit],
  );
  const packs: (string | null)[] = [];
  for (const row of rows) {
    if (row.frame_index !== from + packs.length) break;
    if (row.status === "failed") return packs.length === 0 ? { kind: "failed" } : { kind: "ready", packs };
    if (row.status !== "succeeded") break;
    packs.push(row.result_pack);
  }
  if (rows.length === 0 && extracted) return { kind: "end" };
  return { kind: "ready", packs };
}
