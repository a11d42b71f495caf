import { pool } from "@/lib/db/client";
import { withApi } from "@/lib/http/respond";
import { listFailureGroups } from "@/lib/search/failure-groups";

export const dynamic = "force-dynamic";

// Failed frames of all videos, grouped by cause; "retry this group
// everywhere" is POST /api/videos/bulk {action: "retry_failed", filter: {}, fingerprint}.
export const GET = withApi(async () => Response.json(await listFailureGroups(pool())));
