import { z } from "zod";
import { pool } from "@/lib/db/client";
import { readJson, withApi } from "@/lib/http/respond";
import { auditedRequest } from "@/lib/audit/record";
import { createApiToken, listApiTokens } from "@/lib/auth/api-tokens";
import { principalUserId } from "@/lib/auth/request";
import { ROLES } from "@/lib/auth/roles";

export const dynamic = "force-dynamic";

const body = z
  .object({
    name: z.string().trim().min(1).max(100),
    role: z.enum(ROLES),
    expiresAt: z.iso.datetime({ offset: true }).nullish(),
  })
  .strict();

// Admins see and manage every token; operators their own. Viewers have none:
// a token is for scripts that act, and a viewer cannot act.
export const GET = withApi(
  async (_request, { principal }) =>
    Response.json({ tokens: await listApiTokens(pool(), { userId: principalUserId(principal), all: principal.role === "admin" }) }),
  { role: "operator" },
);

export const POST = withApi(
  async (request, { principal }) => {
    const input = body.parse(await readJson(request));
    const created = await auditedRequest(request, principal, { action: "token.create", detail: { name: input.name, role: input.role, expiresAt: input.expiresAt ?? null } }, () =>
      createApiToken(pool(), { userId: principalUserId(principal), role: principal.role }, { name: input.name, role: input.role, expiresAt: input.expiresAt ? new Date(input.expiresAt) : null }),
      (r) => ({ tokenId: r.id }),
    );
    return Response.json(created, { status: 201, headers: { "Cache-Control": "no-store" } });
  },
  { role: "operator" },
);
