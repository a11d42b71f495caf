import { pool } from "@/lib/db/client";
import { env } from "@/lib/env";
import { withApi } from "@/lib/http/respond";
import { getVideoCosts } from "@/lib/pipeline/queries/costs";

export const dynamic = "force-dynamic";

export const GET = withApi<{ id: string }>(async (_request, { params }) => Response.json(await getVideoCosts(pool(), params.id, env().ENHANCER_COST_PER_CALL)));
