import { z } from "zod";
import { pool } from "@/lib/db/client";
import { readJson, withApi } from "@/lib/http/respond";
import { auditedRequest } from "@/lib/audit/record";
import { ROLES } from "@/lib/auth/roles";
import { createUser, listUsers } from "@/lib/auth/users";

export const dynamic = "force-dynamic";

const body = z
  .object({
    email: z.string().trim().email().max(320),
    role: z.enum(ROLES),
    password: z.string().min(8, "at least 8 characters").max(1000),
  })
  .strict();

export const GET = withApi(async () => Response.json({ users: await listUsers(pool()) }), { role: "admin" });

export const POST = withApi(
  async (request, { principal }) => {
    const input = body.parse(await readJson(request));
    const { id } = await auditedRequest(request, principal, { action: "user.create", detail: { email: input.email.toLowerCase(), role: input.role } }, () =>
      createUser(pool(), input),
    );
    return Response.json({ id }, { status: 201 });
  },
  { role: "admin" },
);
