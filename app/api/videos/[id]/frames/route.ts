import { pool } from "@/lib/db/client";
import { withApi } from "@/lib/http/respond";
import { listFrames, parseFrameListParams } from "@/lib/pipeline/queries/frames";

export const dynamic = "force-dynamic";

export const GET = withApi<{ id: string }>(async (request, { params }) =>
  Response.json(await listFrames(pool(), params.id, parseFrameListParams(new URL(request.url).searchParams))),
);
