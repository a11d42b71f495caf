import { describe, expect, it, beforeAll } from "vitest";
import { createTestDatabase } from "@/test/support/db";
import { createSession, SESSION_COOKIE } from "@/lib/auth/sessions";
import { createUser } from "@/lib/auth/users";
import type { AuditItem } from "./describe";

// The audit trail as the API writes and reads it: the route handlers, a real
// database, sessions of each role.
describe("audit trail through the API", async () => {
  const { url, pool } = await createTestDatabase();
  const cookie: Record<string, string> = {};
  const videoId = "11111111-1111-4111-8111-111111111111";
  type Handler = (r: Request, c: { params: Promise<Record<string, string>> }) => Promise<Response>;
  const call = async (mod: Promise<Record<string, unknown>>, method: string, path: string, who: string | null, body?: unknown, params: Record<string, string> = {}) => {
    const handler = (await mod)[method] as Handler;
    const headers: Record<string, string> = { "x-forwarded-for": "203.0.113.7, 10.0.0.1" };
    if (who) headers.cookie = `${SESSION_COOKIE}=${cookie[who]}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    return handler(new Request(`http://localhost${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }), { params: Promise.resolve(params) });
  };
  const users = import("@/app/api/users/route");
  const user = import("@/app/api/users/[id]/route");
  const tokens = import("@/app/api/tokens/route");
  const audit = import("@/app/api/audit/route");
  const login = import("@/app/api/auth/login/route");

  beforeAll(async () => {
    process.env.DATABASE_URL = url;
    for (const role of ["admin", "operator", "viewer"] as const) {
      const { id } = await createUser(pool, { email: `${role}@example.com`, role, password: "password-123" });
      cookie[role] = (await createSession(pool, id)).token;
    }
    await pool.query(
      `INSERT INTO audit_events (actor_kind, actor, action, video_id, detail, result) VALUES ('user', 'operator@example.com', 'video.retry', $1, '{"status":"failed","requeued":3}', 'ok')`,
      [videoId],
    );
  });

  it("records user and token changes with who, what, from where and the result", async () => {
    const created = await call(users, "POST", "/api/users", "admin", { email: "New@Example.com", role: "viewer", password: "password-123" });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    expect((await call(user, "PATCH", `/api/users/${id}`, "admin", { disabled: true }, { id })).status).toBe(200);
    expect((await call(tokens, "POST", "/api/tokens", "operator", { name: "ci", role: "admin" })).status).toBe(400);
    const { rows } = await pool.query<{ actor: string; action: string; detail: Record<string, unknown>; result: string; ip: string }>(
      `SELECT actor, action, detail, result, ip FROM audit_events WHERE action LIKE 'user.%' OR action LIKE 'token.%' ORDER BY id`,
    );
    expect(rows).toEqual([
      { actor: "admin@example.com", action: "user.create", detail: { email: "new@example.com", role: "viewer" }, result: "ok", ip: "203.0.113.7" },
      { actor: "admin@example.com", action: "user.update", detail: { disabled: true, email: "new@example.com", sessionsEnded: 0 }, result: "ok", ip: "203.0.113.7" },
      { actor: "operator@example.com", action: "token.create", detail: { name: "ci", role: "admin", expiresAt: null }, result: "role_too_high", ip: "203.0.113.7" },
    ]);
  });

  it("records a failed sign-in, never the password", async () => {
    const res = await call(login, "POST", "/api/auth/login", null, { email: "Admin@example.com", password: "not-the-password" });
    expect(res.status).toBe(401);
    const { rows } = await pool.query(`SELECT actor, detail, result FROM audit_events WHERE action = 'auth.sign_in_failed'`);
    expect(rows).toEqual([{ actor: "admin@example.com", detail: { email: "admin@example.com" }, result: "invalid_credentials" }]);
    expect(JSON.stringify(rows)).not.toContain("not-the-password");
  });

  it("lets an admin list and filter it, newest first, page by page", async () => {
    const page = async (q: string) => (await (await call(audit, "GET", `/api/audit?${q}`, "admin")).json()) as { items: AuditItem[]; nextCursor: string | null };
    const all = await page("");
    expect(all.items.map((i) => i.action)).toEqual(["auth.sign_in_failed", "token.create", "user.update", "user.create", "video.retry"]);
    expect(all.items[0]).toHaveProperty("at");
    expect((await page("action=user")).items.map((i) => i.action)).toEqual(["user.update", "user.create"]);
    expect((await page("actor=OPERATOR")).items.map((i) => i.action)).toEqual(["token.create", "video.retry"]);
    expect((await page(`videoId=${videoId}`)).items).toHaveLength(1);
    const first = await page("limit=2");
    expect(first.nextCursor).not.toBeNull();
    const second = await page(`limit=2&cursor=${first.nextCursor}`);
    expect(second.items.map((i) => i.action)).toEqual(["user.update", "user.create"]);
  });

  it("lets an operator or viewer read one video's history, not the whole trail", async () => {
    const own = await call(audit, "GET", `/api/audit?videoId=${videoId}`, "viewer");
    expect(own.status).toBe(200);
    expect(((await own.json()) as { items: AuditItem[] }).items.map((i) => i.action)).toEqual(["video.retry"]);
    expect((await call(audit, "GET", `/api/audit`, "operator")).status).toBe(403);
    expect((await call(audit, "GET", `/api/audit?videoId=${videoId}&actor=x`, "viewer")).status).toBe(403);
  });
});
