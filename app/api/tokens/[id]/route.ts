import { pool } from "@/lib/db/client";
import { withApi } from "@/lib/http/respond";
import { auditedRequest } from "@/lib/audit/record";
import { revokeApiToken, tokenId } from "@/lib/auth/api-tokens";
import { principalUserId } from "@/lib/auth/request";

export const dynamic = "force-dynamic";

export const DELETE = withApi<{ id: string }>(
  async (request, { params, principal }) => {
    const id = tokenId(params.id);
    await auditedRequest(request, principal, { action: "token.revoke", detail: { tokenId: id } }, () =>
      revokeApiToken(pool(), { userId: principalUserId(principal), all: principal.role === "admin" }, id),
      (r) => ({ name: r.name }),
    );
    return new Response(null, { status: 204 });
  },
  { role: "operator" },
);
