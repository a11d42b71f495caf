import { z } from "zod";
import { pool } from "@/lib/db/client";
import { withApi } from "@/lib/http/respond";
import { endpointId, listDeliveries } from "@/lib/webhooks/endpoints";

export const dynamic = "force-dynamic";

const query = z.object({ cursor: z.iso.datetime({ offset: true }).optional(), limit: z.coerce.number().int().min(1).max(200).default(50) });

export const GET = withApi<{ id: string }>(
  async (request, { params }) => {
    const q = query.parse(Object.fromEntries(new URL(request.url).searchParams));
    return Response.json(await listDeliveries(pool(), endpointId(params.id), q));
  },
  { role: "admin" },
);
