import { pool, prisma } from "@/lib/db/client";
import { readJson, withApi } from "@/lib/http/respond";
import { actorOf, auditedRequest } from "@/lib/audit/record";
import { bulkRequest, createBulkOperation, resolveTargets } from "@/lib/bulk/operations";
import { countMatchingVideos } from "@/lib/search/count-videos";
import { videoFilter } from "@/lib/search/video-filter";
import { pipelineContext } from "@/lib/server/pipeline-context";

export const dynamic = "force-dynamic";

// 202: the videos are fixed now (the ids, or what the filter matches now)
// and a worker works through them; GET /api/bulk/{id} follows it.
// How many videos a filter matches now: the count a bulk confirmation states.
export const GET = withApi(
  async (request) => {
    const filter = videoFilter.parse(Object.fromEntries([...new URL(request.url).searchParams].filter(([, v]) => v !== "")));
    return Response.json({ count: await countMatchingVideos(prisma(), filter) });
  },
  { role: "operator" },
);

export const POST = withApi(
  async (request, { principal }) => {
    const body = bulkRequest.parse(await readJson(request));
    const detail = { action: body.action, ...(body.filter ? { filter: body.filter } : { ids: body.ids!.length }), ...(body.fingerprint ? { fingerprint: body.fingerprint } : {}) };
    const created = await auditedRequest(request, principal, { action: "bulk.create", detail }, async () =>
      createBulkOperation(pool(), await pipelineContext(), { request: body, videoIds: await resolveTargets(prisma(), body), actor: actorOf(principal, request) }),
      (r) => ({ bulkId: r.id, total: r.total }),
    );
    return Response.json(created, { status: 202, headers: { Location: `/api/bulk/${created.id}` } });
  },
  { role: "operator" },
);
