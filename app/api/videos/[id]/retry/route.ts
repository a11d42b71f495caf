import { z } from "zod";
import { readJson, withApi } from "@/lib/http/respond";
import { retryFrames } from "@/lib/pipeline/commands";
import { videoId } from "@/lib/pipeline/queries/params";
import { pipelineContext } from "@/lib/server/pipeline-context";

// Frame indexes are PostgreSQL integers: past 2^31 - 1 there is no such frame.
const body = z.union([
  z.object({ frames: z.array(z.number().int().min(0).max(2 ** 31 - 1)).min(1).max(100_000) }).strict(),
  z.object({ status: z.literal("failed") }).strict(),
  z.object({ fingerprint: z.string().min(1).max(500) }).strict(),
]);

export const POST = withApi<{ id: string }>(async (request, { params }) => {
  const id = videoId(params.id);
  const selector = body.parse(await readJson(request));
  return Response.json(await retryFrames(await pipelineContext(), id, selector));
});
