import { rm } from "node:fs/promises";
import { prisma } from "@/lib/db/client";
import { env } from "@/lib/env";
import { withApi } from "@/lib/http/respond";
import { auditedRequest } from "@/lib/audit/record";
import { createVideo } from "@/lib/pipeline/commands";
import { listVideos, parseListParams } from "@/lib/pipeline/queries/videos";
import { pipelineContext } from "@/lib/server/pipeline-context";
import { uploadsDir } from "@/lib/storage/paths";
import { receiveMultipartFile } from "@/lib/uploads/multipart";

export const dynamic = "force-dynamic";

export const POST = withApi(async (request, { principal }) => {
  const e = env();
  const file = await receiveMultipartFile(request, { dir: uploadsDir(e.DATA_DIR), maxBytes: e.MAX_UPLOAD_BYTES });
  // A multipart upload cannot be resumed: whatever happens, its temp file goes.
  const { id } = await auditedRequest(request, principal, { action: "video.upload", detail: { originalName: file.originalName, bytes: file.sizeBytes } }, async () =>
    createVideo(await pipelineContext(), { ...file, title: file.fields.title }).finally(() => rm(file.tempPath, { force: true })),
    (r) => ({ videoId: r.id }),
  );
  return Response.json({ id }, { status: 201, headers: { Location: `/api/videos/${id}` } });
});

export const GET = withApi(async (request) => {
  return Response.json(await listVideos(prisma(), parseListParams(new URL(request.url).searchParams)));
});
