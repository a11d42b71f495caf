import { pool } from "@/lib/db/client";
import { limitsFromEnv } from "@/lib/enhance/limits";
import { env } from "@/lib/env";
import { withApi } from "@/lib/http/respond";
import { renderMetrics } from "@/lib/metrics/prometheus";
import { readMetricsSnapshot } from "@/lib/metrics/snapshot";

export const dynamic = "force-dynamic";

export const GET = withApi(async () => {
  const { body, contentType } = await renderMetrics(await readMetricsSnapshot(pool(), limitsFromEnv(env()), env().ENHANCER_COST_PER_CALL));
  return new Response(body, { headers: { "Content-Type": contentType, "Cache-Control": "no-store" } });
});
