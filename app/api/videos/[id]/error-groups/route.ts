import { pool } from "@/lib/db/client";
import { withApi } from "@/lib/http/respond";
import { listErrorGroups } from "@/lib/pipeline/queries/frames";

export const dynamic = "force-dynamic";

export const GET = withApi<{ id: string }>(async (_request, { params }) => Response.json(await listErrorGroups(pool(), params.id)));
