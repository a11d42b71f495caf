import { z } from "zod";
import { readJson, withApi } from "@/lib/http/respond";
import { retryFrames } from "@/lib/pipeline/commands";
import { pipelineContext } from "@/lib/server/pipeline-context";

const body = z.union([
  z.object({ frames: z.array(z.number().int().min(0)).min(1).max(100_000) }).strict(),
  z.object({ status: z.literal("failed") }).strict(),
  z.object({ fingerprint: z.string().min(1).max(500) }).strict(),
]);

export const POST = withApi<{ id: string }>(async (request, { params }) => {
  const selector = body.parse(await readJson(request));
  return Response.json(await retryFrames(await pipelineContext(), params.id, selector));
});
