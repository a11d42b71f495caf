import { randomUUID } from "node:crypto";
import { prisma } from "@/lib/db/client";
import { env } from "@/lib/env";
import { withApi } from "@/lib/http/respond";
import { auditedRequest } from "@/lib/audit/record";
import { createVideo } from "@/lib/pipeline/commands";
import { listVideos, parseListParams } from "@/lib/pipeline/queries/videos";
import { pipelineContext } from "@/lib/server/pipeline-context";
import { videoKeys } from "@/lib/storage/keys";
import { receiveMultipartFile } from "@/lib/uploads/multipart";

export const dynamic = "force-dynamic";

export const POST = withApi(async (request, { principal }) => {
  const ctx = await pipelineContext();
  // The body streams straight into the new video's source object; a
  // multipart upload cannot be resumed, so whatever fails removes it.
  const id = randomUUID();
  const removeStored = () => ctx.storage.deletePrefix(videoKeys(id).prefix).catch(() => {});
  const file = await receiveMultipartFile(request, { maxBytes: env().MAX_UPLOAD_BYTES, store: (body) => ctx.storage.put(videoKeys(id).source, body) }).catch(async (error) => {
    await removeStored();
    throw error;
  });
  await auditedRequest(request, principal, { action: "video.upload", detail: { originalName: file.originalName, bytes: file.sizeBytes } }, async () =>
    createVideo(ctx, { id, originalName: file.originalName, sizeBytes: file.sizeBytes, title: file.fields.title }).catch(async (error) => {
      await removeStored();
      throw error;
    }),
    (r) => ({ videoId: r.id }),
  );
  return Response.json({ id }, { status: 201, headers: { Location: `/api/videos/${id}` } });
});

export const GET = withApi(async (request) => {
  return Response.json(await listVideos(prisma(), parseListParams(new URL(request.url).searchParams)));
});
