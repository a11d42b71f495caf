import { pool } from "@/lib/db/client";
import { withApi } from "@/lib/http/respond";
import { getVideoTimeline, parseTimelineParams } from "@/lib/pipeline/queries/timeline";

export const dynamic = "force-dynamic";

export const GET = withApi<{ id: string }>(async (request, { params }) =>
  Response.json(await getVideoTimeline(pool(), params.id, parseTimelineParams(new URL(request.url).searchParams))),
);
