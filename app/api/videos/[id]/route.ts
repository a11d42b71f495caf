import { pool, prisma } from "@/lib/db/client";
import { withApi } from "@/lib/http/respond";
import { auditedRequest } from "@/lib/audit/record";
import { deleteVideo } from "@/lib/pipeline/commands";
import { videoId } from "@/lib/pipeline/queries/params";
import { readCallPause } from "@/lib/pipeline/queries/call-pause";
import { getVideo } from "@/lib/pipeline/queries/videos";
import { pipelineContext } from "@/lib/server/pipeline-context";

export const dynamic = "force-dynamic";

export const GET = withApi<{ id: string }>(async (_request, { params }) => {
  const video = await getVideo(prisma(), params.id);
  const pause = await readCallPause(pool(), video.id, video.stages.find((s) => s.name === "enhance"));
  return Response.json({ ...video, pause });
});

export const DELETE = withApi<{ id: string }>(async (request, { params, principal }) => {
  const id = videoId(params.id);
  await auditedRequest(request, principal, { action: "video.delete", videoId: id }, async () => deleteVideo(await pipelineContext(), id));
  return new Response(null, { status: 204 });
});
