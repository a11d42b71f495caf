import { z } from "zod";
import { pool } from "@/lib/db/client";
import { readJson, withApi } from "@/lib/http/respond";
import { auditedRequest } from "@/lib/audit/record";
import { principalUserId } from "@/lib/auth/request";
import { ROLES } from "@/lib/auth/roles";
import { updateUser, userId } from "@/lib/auth/users";

export const dynamic = "force-dynamic";

const body = z
  .object({
    role: z.enum(ROLES).optional(),
    disabled: z.boolean().optional(),
    password: z.string().min(8, "at least 8 characters").max(1000).optional(),
  })
  .strict()
  .refine((b) => b.role !== undefined || b.disabled !== undefined || b.password !== undefined, "give role, disabled or password");

export const PATCH = withApi<{ id: string }>(
  async (request, { params, principal }) => {
    const id = userId(params.id);
    const change = body.parse(await readJson(request));
    // The password itself never reaches the audit trail, only that it changed.
    const detail = { role: change.role, disabled: change.disabled, password: change.password !== undefined ? "reset" : undefined };
    const result = await auditedRequest(request, principal, { action: "user.update", detail }, () => updateUser(pool(), principalUserId(principal), id, change), (r) => ({ email: r.email, sessionsEnded: r.sessionsEnded }));
    return Response.json({ id, sessionsEnded: result.sessionsEnded });
  },
  { role: "admin" },
);
