import { withApi } from "@/lib/http/respond";
import { auditedRequest } from "@/lib/audit/record";
import { encodeAnyway } from "@/lib/pipeline/commands";
import { videoId } from "@/lib/pipeline/queries/params";
import { pipelineContext } from "@/lib/server/pipeline-context";

export const POST = withApi<{ id: string }>(async (request, { params, principal }) => {
  const id = videoId(params.id);
  return Response.json(await auditedRequest(request, principal, { action: "video.encode_anyway", videoId: id }, async () => encodeAnyway(await pipelineContext(), id), (r) => r));
});
