import { pool } from "@/lib/db/client";
import { env } from "@/lib/env";
import { withApi } from "@/lib/http/respond";
import { getCallCostTotals } from "@/lib/pipeline/queries/costs";

export const dynamic = "force-dynamic";

export const GET = withApi(async () => Response.json(await getCallCostTotals(pool(), env().ENHANCER_COST_PER_CALL)));
