import { prisma } from "@/lib/db/client";
import { withApi } from "@/lib/http/respond";
import { deleteVideo } from "@/lib/pipeline/commands";
import { videoId } from "@/lib/pipeline/queries/params";
import { getVideo } from "@/lib/pipeline/queries/videos";
import { pipelineContext } from "@/lib/server/pipeline-context";

export const dynamic = "force-dynamic";

export const GET = withApi<{ id: string }>(async (_request, { params }) => Response.json(await getVideo(prisma(), params.id)));

export const DELETE = withApi<{ id: string }>(async (_request, { params }) => {
  await deleteVideo(await pipelineContext(), videoId(params.id));
  return new Response(null, { status: 204 });
});
