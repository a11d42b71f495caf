import { withApi } from "@/lib/http/respond";
import { auditedRequest } from "@/lib/audit/record";
import { videoId } from "@/lib/pipeline/queries/params";
import { encodeAnyway } from "@/lib/pipeline/commands";
import { pipelineContext } from "@/lib/server/pipeline-context";

export const POST = withApi<{ id: string }>(async (request, { params, principal }) =>
  Response.json(await auditedRequest(request, principal, { action: "video.encode_anyway", videoId: videoId(params.id) }, async () => encodeAnyway(await pipelineContext(), params.id), (r) => r)),
);
