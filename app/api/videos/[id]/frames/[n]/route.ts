import { pool } from "@/lib/db/client";
import { withApi } from "@/lib/http/respond";
import { getFrame } from "@/lib/pipeline/queries/frame-detail";

export const dynamic = "force-dynamic";

export const GET = withApi<{ id: string; n: string }>(async (_request, { params }) => Response.json(await getFrame(pool(), params.id, params.n)));
