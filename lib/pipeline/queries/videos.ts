import "server-only";
import { z } from "zod";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { videoNotFound } from "@/lib/pipeline/errors";
import { badCursor, videoId } from "./params";
import { videoFilter, videoWhere } from "@/lib/search/video-filter";
import { orderedStages, outputs, overallProgress, throughput, videoInclude, type VideoRow } from "./video-view";

const listParams = videoFilter.extend({
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(200).optional(),
});
export type ListParams = z.infer<typeof listParams>;

export function parseListParams(search: URLSearchParams): ListParams {
  return listParams.parse(Object.fromEntries([...search.entries()].filter(([, v]) => v !== "")));
}

// Keyset cursor over (created_at desc, id desc): "<iso>|<uuid>". Stays fast
// with thousands of videos (index videos(created_at desc, id desc)).
function decodeCursor(cursor: string | undefined): { createdAt: Date; id: string } | null {
  if (!cursor) return null;
  const [iso, id, ...rest] = Buffer.from(cursor, "base64url").toString().split("|");
  const createdAt = new Date(iso ?? "");
  // Like the frames list: a cursor this list did not make is a 400, not a
  // silent first page; a forged id that is not a UUID would reach the database as one (a 500).
  if (rest.length > 0 || !id || !z.string().uuid().safeParse(id).success || Number.isNaN(createdAt.getTime())) throw badCursor();
  return { createdAt, id };
}

const encodeCursor = (v: { createdAt: Date; id: string }) => Buffer.from(`${v.createdAt.toISOString()}|${v.id}`).toString("base64url");

function summary(v: VideoRow) {
  const out = outputs(v);
  return {
    id: v.id,
    title: v.title,
    status: v.status,
    error: v.error,
    createdAt: v.createdAt.toISOString(),
    durationSec: v.durationSec,
    frameCount: v.frameCount,
    width: v.width,
    height: v.height,
    progress: overallProgress(v),
    etaSec: throughput(v).etaSec,
    stages: orderedStages(v),
    posterUrl: out.poster,
    outputUrl: out.video,
  };
}

/** The videos page: newest first, filtered by status, text (title, file name, id prefix) and date. */
export async function listVideos(db: PrismaClient, params: ListParams) {
  const after = decodeCursor(params.cursor);
  const rows = await db.video.findMany({
    where: {
      AND: [videoWhere(params), ...(after ? [{ OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] }] : [])],
    },
    include: videoInclude,
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: params.limit + 1,
  });
  const page = rows.slice(0, params.limit);
  const last = page.at(-1);
  return { videos: page.map(summary), nextCursor: rows.length > params.limit && last ? encodeCursor(last) : null };
}

/** One video, the shape of DESIGN.md's GET /api/videos/{id}. */
export async function getVideo(db: PrismaClient, id: string) {
  const v = await db.video.findUnique({ where: { id: videoId(id) }, include: videoInclude });
  if (!v) throw videoNotFound(id);
  return {
    id: v.id,
    title: v.title,
    status: v.status,
    error: v.error,
    createdAt: v.createdAt.toISOString(),
    metadata: {
      durationSec: v.durationSec,
      fps: v.fpsNum && v.fpsDen ? v.fpsNum / v.fpsDen : null,
      width: v.width,
      height: v.height,
      frameCount: v.frameCount,
      hasAudio: v.hasAudio,
      videoCodec: v.videoCodec,
      audioCodec: v.audioCodec,
      sizeBytes: Number(v.sourceBytes),
      originalName: v.originalName,
    },
    progress: overallProgress(v),
    stages: orderedStages(v),
    outputs: outputs(v),
    throughput: throughput(v),
    // Retention removed the extracted and enhanced frame files (the output and the rows stay).
    framesPurgedAt: v.framesPurgedAt?.toISOString() ?? null,
  };
}
