import { withApi } from "@/lib/http/respond";
import { auditedRequest } from "@/lib/audit/record";
import { videoId } from "@/lib/pipeline/queries/params";
import { cancelVideo } from "@/lib/pipeline/commands";
import { pipelineContext } from "@/lib/server/pipeline-context";

export const POST = withApi<{ id: string }>(async (request, { params, principal }) =>
  Response.json(await auditedRequest(request, principal, { action: "video.cancel", videoId: videoId(params.id) }, async () => cancelVideo(await pipelineContext(), params.id))),
);
