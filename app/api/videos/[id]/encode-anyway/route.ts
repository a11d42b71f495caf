import { withApi } from "@/lib/http/respond";
import { encodeAnyway } from "@/lib/pipeline/commands";
import { videoId } from "@/lib/pipeline/queries/params";
import { pipelineContext } from "@/lib/server/pipeline-context";

export const POST = withApi<{ id: string }>(async (_request, { params }) => Response.json(await encodeAnyway(await pipelineContext(), videoId(params.id))));
