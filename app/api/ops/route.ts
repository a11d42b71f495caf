import { pool } from "@/lib/db/client";
import { limitsFromEnv } from "@/lib/enhance/limits";
import { env } from "@/lib/env";
import { withApi } from "@/lib/http/respond";
import { getOpsSnapshot } from "@/lib/pipeline/queries/ops";

export const dynamic = "force-dynamic";

export const GET = withApi(async () => {
  const e = env();
  return Response.json(await getOpsSnapshot(pool(), { mode: e.ENHANCER, limits: limitsFromEnv(e) }));
});
