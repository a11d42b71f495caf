import "server-only";
import type { Db } from "@/lib/db/client";
import { videoNotFound } from "@/lib/pipeline/errors";
import { videoId } from "./params";

export interface VideoHeader {
  id: string;
  fpsNum: number | null;
  fpsDen: number | null;
  frameCount: number | null;
}

/** The few columns the frame views need, or "not found" (a malformed id included). */
export async function readVideoHeader(db: Db, rawId: string): Promise<VideoHeader> {
  const id = videoId(rawId);
  const { rows } = await db.query<{ fps_num: number | null; fps_den: number | null; frame_count: number | null }>(
    `SELECT fps_num, fps_den, frame_count FROM videos WHERE id = $1`,
    [id],
  );
  const v = rows[0];
  if (!v) throw videoNotFound(id);
  return { id, fpsNum: v.fps_num, fpsDen: v.fps_den, frameCount: v.frame_count };
}

/** Seconds from the start of the video to frame `index` (exact source rate: fps_num / fps_den). */
export function frameTime(v: Pick<VideoHeader, "fpsNum" | "fpsDen">, index: number): number {
  if (!v.fpsNum || !v.fpsDen) return 0;
  return (index * v.fpsDen) / v.fpsNum;
}
