import "server-only";
import type { Db } from "@/lib/db/client";
import { DomainError } from "@/lib/pipeline/errors";
import type { FrameStatus } from "@/lib/pipeline/stages";
import { DETAIL_EXCERPT_CHARS, errorProjection, toFrameError, type FrameError } from "./frame-error";
import { frameTime, readVideoHeader, type VideoHeader } from "./video-lookup";

// The frame drawer: one frame, its error history, and where its images are.

export const frameNotFound = (index: number | string) =>
  new DomainError("not_found", "frame_not_found", `This video has no frame ${index}.`);

/** A frame number from a URL: digits only (0-based), else "not found". */
export function parseFrameIndex(raw: string): number {
  if (!/^(0|[1-9]\d{0,8})$/.test(raw)) throw frameNotFound(raw.slice(0, 40));
  return Number(raw);
}

export interface FrameAttemptView {
  attempt: number;
  workerId: string | null;
  error: FrameError | null;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
}

export interface FrameDetail {
  index: number;
  timeSec: number;
  status: FrameStatus;
  attempts: number;
  lastError: FrameError | null;
  outputKind: string | null;
  attemptsHistory: FrameAttemptView[];
  originalUrl: string;
  enhancedUrl: string | null;
}

/** Attempts shown per frame: the latest ones. An operator's retries raise the limit, so the history can grow. */
const HISTORY_LIMIT = 100;

/** GET /api/videos/{id}/frames/{n}. */
export async function getFrame(db: Db, rawVideoId: string, rawIndex: string): Promise<FrameDetail> {
  const video = await readVideoHeader(db, rawVideoId);
  const index = parseFrameIndex(rawIndex);
  const { rows } = await db.query<{ id: string; status: FrameStatus; attempts: number; output_kind: string | null; last_error: unknown }>(
    `SELECT f.id::text, f.status, f.attempts, f.output_kind, ${errorProjection("f.last_error", DETAIL_EXCERPT_CHARS)} AS last_error
       FROM frame_executions f
      WHERE f.video_id = $1 AND f.frame_index = $2`,
    [video.id, index],
  );
  const frame = rows[0];
  if (!frame) throw frameNotFound(index);
  const { rows: history } = await db.query<{ attempt: number; worker_id: string | null; error: unknown; started_at: Date | null; finished_at: Date | null; duration_ms: number | null }>(
    `SELECT * FROM (
       SELECT a.id, a.attempt, a.worker_id, ${errorProjection("a.error", DETAIL_EXCERPT_CHARS)} AS error,
              a.started_at, a.finished_at, a.duration_ms
         FROM frame_attempts a
        WHERE a.frame_id = $1
        ORDER BY a.attempt DESC, a.id DESC
        LIMIT $2
     ) h ORDER BY h.attempt, h.id`,
    [frame.id, HISTORY_LIMIT],
  );
  const base = `/api/videos/${video.id}/frames/${index}/image`;
  return {
    index,
    timeSec: frameTime(video, index),
    status: frame.status,
    attempts: frame.attempts,
    lastError: toFrameError(frame.last_error),
    outputKind: frame.output_kind,
    attemptsHistory: history.map((h) => ({
      attempt: h.attempt,
      workerId: h.worker_id,
      error: toFrameError(h.error),
      startedAt: h.started_at?.toISOString() ?? null,
      finishedAt: h.finished_at?.toISOString() ?? null,
      durationMs: h.duration_ms,
    })),
    originalUrl: `${base}?kind=original`,
    // "Encode anyway" frames are succeeded with the original image: there is no enhanced file.
    enhancedUrl: frame.status === "succeeded" && frame.output_kind !== "original" ? `${base}?kind=enhanced` : null,
  };
}

/** Checks the frame number against the video (a number past its end is a 404, not a file lookup). */
export async function readFrameVideo(db: Db, rawVideoId: string, rawIndex: string): Promise<{ video: VideoHeader; index: number }> {
  const video = await readVideoHeader(db, rawVideoId);
  const index = parseFrameIndex(rawIndex);
  if (video.frameCount !== null && index >= video.frameCount) throw frameNotFound(index);
  return { video, index };
}
