import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "@/test/support/db";
import { apiRouteFiles, protectedHandlers } from "@/test/support/api-routes";
import { createApiToken } from "@/lib/auth/api-tokens";
import { hasRole, ROLES, roleForMethod, type Role } from "@/lib/auth/roles";
import { createSession, SESSION_COOKIE } from "@/lib/auth/sessions";
import { createUser } from "@/lib/auth/users";

// Every route under app/api, every method it exports, walked with a session
// of each role: below the role a route needs, 403 with the error shape;
// at or above it, never 401 or 403. Enumerated from the file system like the
// 401 test (auth-required.test.ts), so a new route is covered the day it is
// added, and falls under the default rule (reads: viewer, writes: operator)
// unless it is listed here.
const NEEDS: Record<string, Partial<Record<string, Role>>> = {
  "users/route.ts": { GET: "admin", POST: "admin" },
  "users/[id]/route.ts": { PATCH: "admin" },
  "tokens/route.ts": { GET: "operator", POST: "operator" },
  "tokens/[id]/route.ts": { DELETE: "operator" },
  // Without ?videoId= the request is for the whole trail: an admin's.
  "audit/route.ts": { GET: "admin" },
  "webhooks/route.ts": { GET: "admin", POST: "admin" },
  "webhooks/[id]/route.ts": { DELETE: "admin" },
  "webhooks/[id]/deliveries/route.ts": { GET: "admin" },
  "webhooks/[id]/deliveries/[d]/redeliver/route.ts": { POST: "admin" },
  // Following a bulk action is for those who can start one.
  "bulk/[id]/route.ts": { GET: "operator" },
  "videos/bulk/route.ts": { GET: "operator", POST: "operator" },
};
const ZERO = "00000000-0000-4000-8000-000000000000";

describe("roles on every API route", async () => {
  const { url, pool } = await createTestDatabase();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "framewise-roles-"));
  const files = await apiRouteFiles();
  const cookies = {} as Record<Role, string>;
  let viewerToken = "";

  beforeAll(async () => {
    process.env.DATABASE_URL = url;
    process.env.DATA_DIR = dataDir;
    process.env.API_TOKEN = "test-api-token-0123456789";
    for (const role of ROLES) {
      const { id } = await createUser(pool, { email: `${role}@example.com`, role, password: "password-123" });
      cookies[role] = `${SESSION_COOKIE}=${(await createSession(pool, id)).token}`;
    }
    const admin = await pool.query<{ id: string }>(`SELECT id FROM users WHERE role = 'admin'`);
    viewerToken = (await createApiToken(pool, { userId: admin.rows[0]!.id, role: "admin" }, { name: "ci-viewer", role: "viewer" })).token;
  });

  it("finds the new routes", () => {
    for (const f of ["users/route.ts", "users/[id]/route.ts", "tokens/route.ts", "tokens/[id]/route.ts", "audit/route.ts"]) expect(files).toContain(f);
  });

  for (const file of files) {
    it(`${file}: each role gets what its role allows`, async () => {
      const params = Promise.resolve({ id: ZERO, d: ZERO, n: "0", path: ["x"], uploadId: "x" });
      for (const [method, handler] of await protectedHandlers(file)) {
        const needed = NEEDS[file]?.[method] ?? roleForMethod(method);
        for (const role of ROLES) {
          const res = await handler(new Request(`http://localhost/api/${file}`, { method, headers: { cookie: cookies[role] } }), { params });
          const label = `${method} ${file} as ${role} (needs ${needed})`;
          if (hasRole(role, needed)) {
            expect([401, 403], label).not.toContain(res.status);
          } else {
            expect(res.status, label).toBe(403);
            expect(((await res.json()) as { error: { code: string } }).error.code, label).toBe("forbidden");
          }
        }
        if (!hasRole("viewer", needed)) {
          const res = await handler(new Request(`http://localhost/api/${file}`, { method, headers: { authorization: `Bearer ${viewerToken}` } }), { params });
          expect(res.status, `${method} ${file} with a viewer token`).toBe(403);
        }
      }
    });
  }

  it("records a viewer's refused write in the audit trail", async () => {
    const { rows } = await pool.query<{ actor: string; result: string }>(`SELECT actor, result FROM audit_events WHERE action = 'request.forbidden' AND actor = 'viewer@example.com'`);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.result === "forbidden")).toBe(true);
  });
});
