import { z } from "zod";
import { pool } from "@/lib/db/client";
import { env } from "@/lib/env";
import { readJson, withApi } from "@/lib/http/respond";
import { auditedRequest } from "@/lib/audit/record";
import { principalName } from "@/lib/auth/request";
import { WEBHOOK_EVENTS } from "@/lib/webhooks/event-types";
import { createEndpoint, listEndpoints } from "@/lib/webhooks/endpoints";

export const dynamic = "force-dynamic";

const body = z
  .object({
    url: z.string().trim().min(1).max(2000),
    events: z.array(z.enum(WEBHOOK_EVENTS)).min(1, "pick at least one event"),
    description: z.string().trim().max(200).nullish(),
  })
  .strict();

export const GET = withApi(async () => Response.json({ webhooks: await listEndpoints(pool()) }), { role: "admin" });

export const POST = withApi(
  async (request, { principal }) => {
    const input = body.parse(await readJson(request));
    const created = await auditedRequest(request, principal, { action: "webhook.create", detail: { url: input.url, events: input.events } }, () =>
      createEndpoint(pool(), { ...input, createdBy: principalName(principal) }, env().WEBHOOK_ALLOW_PRIVATE),
      (r) => ({ webhookId: r.id }),
    );
    return Response.json(created, { status: 201, headers: { "Cache-Control": "no-store" } });
  },
  { role: "admin" },
);
