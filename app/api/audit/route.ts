import { pool } from "@/lib/db/client";
import { errorResponse, withApi } from "@/lib/http/respond";
import { listAudit, parseAuditParams } from "@/lib/audit/list-audit";

export const dynamic = "force-dynamic";

// The whole trail is an admin's; anyone signed in may read one video's
// history (the video page shows it).
export const GET = withApi(async (request, { principal }) => {
  const params = parseAuditParams(new URL(request.url).searchParams);
  if (principal.role !== "admin" && (!params.videoId || params.actor || params.action)) {
    return errorResponse(403, "forbidden", "Only an admin can read the whole audit trail; others can read one video's history (videoId=).");
  }
  return Response.json(await listAudit(pool(), params));
});
