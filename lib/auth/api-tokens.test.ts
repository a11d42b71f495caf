import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createTestDatabase } from "@/test/support/db";
import { DomainError } from "@/lib/pipeline/errors";
import { createApiToken, findTokenPrincipal, listApiTokens, revokeApiToken } from "./api-tokens";
import { createUser, updateUser } from "./users";

const code = (p: Promise<unknown>) => p.then(() => "ok", (e: unknown) => (e instanceof DomainError ? e.code : String(e)));

describe("personal API tokens", async () => {
  const { pool } = await createTestDatabase();
  const { id: adminId } = await createUser(pool, { email: "admin@example.com", role: "admin", password: "password-1" });
  const { id: opId } = await createUser(pool, { email: "op@example.com", role: "operator", password: "password-1" });
  const op = { userId: opId, role: "operator" as const };

  it("shows the secret once and stores only its sha256", async () => {
    const { id, token } = await createApiToken(pool, op, { name: "ci", role: "operator" });
    expect(token).toMatch(/^fwt_[A-Za-z0-9_-]{43}$/);
    const { rows } = await pool.query<{ token_hash: string; prefix: string }>(`SELECT token_hash, prefix FROM api_tokens WHERE id = $1`, [id]);
    expect(rows[0]!.token_hash).toBe(createHash("sha256").update(token).digest("hex"));
    expect(JSON.stringify(await listApiTokens(pool, { userId: opId, all: false }))).not.toContain(token);
    expect(token.startsWith(rows[0]!.prefix)).toBe(true);
    expect(await findTokenPrincipal(pool, token)).toMatchObject({ kind: "token", id, name: "ci", role: "operator", userId: opId });
  });

  it("refuses a role above the creator's and an expiry in the past", async () => {
    expect(await code(createApiToken(pool, op, { name: "x", role: "admin" }))).toBe("role_too_high");
    expect(await code(createApiToken(pool, op, { name: "x", role: "viewer", expiresAt: new Date(Date.now() - 1000) }))).toBe("expiry_in_past");
    expect(await code(createApiToken(pool, op, { name: "x", role: "viewer" }))).toBe("ok");
  });

  it("an expired token stops working", async () => {
    const { id, token } = await createApiToken(pool, op, { name: "short", role: "viewer", expiresAt: new Date(Date.now() + 60_000) });
    expect(await findTokenPrincipal(pool, token)).not.toBeNull();
    await pool.query(`UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, [id]);
    expect(await findTokenPrincipal(pool, token)).toBeNull();
  });

  it("records the last use", async () => {
    const { id, token } = await createApiToken(pool, op, { name: "used", role: "viewer" });
    expect((await listApiTokens(pool, { userId: opId, all: false })).find((t) => t.id === id)?.lastUsedAt).toBeNull();
    await findTokenPrincipal(pool, token);
    expect((await listApiTokens(pool, { userId: opId, all: false })).find((t) => t.id === id)?.lastUsedAt).not.toBeNull();
  });

  it("is revocable by its owner or an admin, not by another operator", async () => {
    const { id, token } = await createApiToken(pool, op, { name: "to-revoke", role: "viewer" });
    const { id: otherOp } = await createUser(pool, { email: "op2@example.com", role: "operator", password: "password-1" });
    expect(await code(revokeApiToken(pool, { userId: otherOp, all: false }, id))).toBe("token_not_found");
    expect((await listApiTokens(pool, { userId: otherOp, all: false })).map((t) => t.id)).not.toContain(id);
    expect((await listApiTokens(pool, { userId: adminId, all: true })).map((t) => t.id)).toContain(id);
    expect(await revokeApiToken(pool, { userId: opId, all: false }, id)).toEqual({ name: "to-revoke" });
    expect(await findTokenPrincipal(pool, token)).toBeNull();
    expect(await code(revokeApiToken(pool, { userId: adminId, all: true }, id))).toBe("token_revoked");
  });

  it("acts with the lower of its role and its creator's current role, and dies with a disabled creator", async () => {
    const { id: lead } = await createUser(pool, { email: "lead@example.com", role: "admin", password: "password-1" });
    const { token } = await createApiToken(pool, { userId: lead, role: "admin" }, { name: "deploy", role: "admin" });
    expect((await findTokenPrincipal(pool, token))?.role).toBe("admin");
    await updateUser(pool, adminId, lead, { role: "viewer" });
    expect((await findTokenPrincipal(pool, token))?.role).toBe("viewer");
    await updateUser(pool, adminId, lead, { disabled: true });
    expect(await findTokenPrincipal(pool, token)).toBeNull();
  });

  it("the bootstrap API_TOKEN may create tokens of any role (no owner)", async () => {
    const { token } = await createApiToken(pool, { userId: null, role: "admin" }, { name: "bootstrap-made", role: "admin" });
    expect(await findTokenPrincipal(pool, token)).toMatchObject({ role: "admin", userId: null });
  });
});
