import { z } from "zod";
import { readJson, withApi } from "@/lib/http/respond";
import { auditedRequest } from "@/lib/audit/record";
import { retryFrames } from "@/lib/pipeline/commands";
import { videoId } from "@/lib/pipeline/queries/params";
import { retryStages } from "@/lib/pipeline/retry-stages";
import { STAGES } from "@/lib/pipeline/stages";
import { pipelineContext } from "@/lib/server/pipeline-context";

// Frame indexes are PostgreSQL integers: past 2^31 - 1 there is no such frame.
const body = z.union([
  z.object({ frames: z.array(z.number().int().min(0).max(2 ** 31 - 1)).min(1).max(100_000) }).strict(),
  z.object({ status: z.literal("failed") }).strict(),
  z.object({ fingerprint: z.string().min(1).max(500) }).strict(),
  z.object({ stages: z.array(z.enum(STAGES)).min(1).max(STAGES.length) }).strict(),
]);

export const POST = withApi<{ id: string }>(async (request, { params, principal }) => {
  const id = videoId(params.id);
  const selector = body.parse(await readJson(request));
  if ("stages" in selector) {
    return Response.json(await auditedRequest(request, principal, { action: "video.retry", videoId: id, detail: selector }, async () => retryStages(await pipelineContext(), id, selector.stages), (r) => r));
  }
  const detail = "frames" in selector ? { frames: selector.frames.slice(0, 100), frameCount: selector.frames.length } : selector;
  return Response.json(await auditedRequest(request, principal, { action: "video.retry", videoId: id, detail }, async () => retryFrames(await pipelineContext(), id, selector), (r) => r));
});
