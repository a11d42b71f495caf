import { withApi } from "@/lib/http/respond";
import { auditedRequest } from "@/lib/audit/record";
import { cancelVideo } from "@/lib/pipeline/commands";
import { videoId } from "@/lib/pipeline/queries/params";
import { pipelineContext } from "@/lib/server/pipeline-context";

export const POST = withApi<{ id: string }>(async (request, { params, principal }) => {
  const id = videoId(params.id);
  return Response.json(await auditedRequest(request, principal, { action: "video.cancel", videoId: id }, async () => cancelVideo(await pipelineContext(), id)));
});
