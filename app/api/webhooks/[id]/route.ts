import { pool } from "@/lib/db/client";
import { withApi } from "@/lib/http/respond";
import { auditedRequest } from "@/lib/audit/record";
import { deleteEndpoint, endpointId } from "@/lib/webhooks/endpoints";

export const dynamic = "force-dynamic";

export const DELETE = withApi<{ id: string }>(
  async (request, { params, principal }) => {
    const id = endpointId(params.id);
    await auditedRequest(request, principal, { action: "webhook.delete", detail: { webhookId: id } }, () => deleteEndpoint(pool(), id), (r) => ({ url: r.url }));
    return new Response(null, { status: 204 });
  },
  { role: "admin" },
);
