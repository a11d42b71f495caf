import { pool } from "@/lib/db/client";
import { withApi } from "@/lib/http/respond";
import { auditedRequest } from "@/lib/audit/record";
import { endpointId, redeliver } from "@/lib/webhooks/endpoints";
import { pipelineContext } from "@/lib/server/pipeline-context";
import { DomainError } from "@/lib/pipeline/errors";

export const dynamic = "force-dynamic";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const POST = withApi<{ id: string; d: string }>(
  async (request, { params, principal }) => {
    const id = endpointId(params.id);
    if (!UUID.test(params.d)) throw new DomainError("not_found", "delivery_not_found", "No such delivery for this endpoint.");
    const result = await auditedRequest(request, principal, { action: "webhook.redeliver", detail: { webhookId: id, deliveryId: params.d } }, async () =>
      redeliver(pool(), (await pipelineContext()).boss, id, params.d),
      (r) => r,
    );
    return Response.json({ queued: true, ...result }, { status: 202 });
  },
  { role: "admin" },
);
