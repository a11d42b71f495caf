import type { PrismaClient } from "@/lib/generated/prisma/client";
import { videoWhere, type VideoFilter } from "./video-filter";

export async function countMatchingVideos(db: PrismaClient, filter: VideoFilter): Promise<number> {
  return db.video.count({ where: videoWhere(filter) });
}
