import { describe, expect, it } from "vitest";
import { createTestDatabase } from "@/test/support/db";
import { DomainError } from "@/lib/pipeline/errors";
import { ensureAdmin } from "./admin";
import { createSession, findSessionUser } from "./sessions";
import { signIn } from "./sign-in";
import { createUser, listUsers, updateUser } from "./users";

const code = (p: Promise<unknown>) => p.then(() => "ok", (e: unknown) => (e instanceof DomainError ? e.code : String(e)));

describe("users, sign-in and sessions", async () => {
  const { pool } = await createTestDatabase();
  const signInAs = async (email: string, password: string, previousToken?: string) => {
    const result = await signIn(pool, { email, password, address: "192.0.2.1", ...(previousToken ? { previousToken } : {}) });
    return result.kind === "signed_in" ? result : null;
  };

  it("the configured first admin is an admin; a new user gets the role asked for", async () => {
    await ensureAdmin(pool, { email: "Boss@Example.com", password: "first-admin-pw" });
    const { id } = await createUser(pool, { email: "Ana@Example.com", role: "operator", password: "ana-password" });
    const users = await listUsers(pool);
    expect(users.find((u) => u.email === "boss@example.com")?.role).toBe("admin");
    expect(users.find((u) => u.id === id)).toMatchObject({ email: "ana@example.com", role: "operator", disabled: false });
    expect(await code(createUser(pool, { email: "ana@example.com", role: "viewer", password: "whatever-1" }))).toBe("email_taken");
  });

  it("signs in with the right password, rotates the session, and never stores the cookie value", async () => {
    const first = await signInAs("ana@example.com", "ana-password");
    expect(first).not.toBeNull();
    expect(await signInAs("ana@example.com", "wrong-password")).toBeNull();
    const { rows } = await pool.query<{ id: string }>(`SELECT id FROM sessions`);
    expect(rows.map((r) => r.id)).not.toContain(first!.token);
    // Signing in again with the old cookie ends the old session (rotation).
    const second = await signInAs("ana@example.com", "ana-password", first!.token);
    expect(await findSessionUser(pool, first!.token)).toBeNull();
    expect(await findSessionUser(pool, second!.token)).toMatchObject({ email: "ana@example.com", role: "operator" });
  });

  it("an expired session is no session", async () => {
    const { rows } = await pool.query<{ id: string }>(`SELECT id FROM users WHERE email = 'ana@example.com'`);
    const session = await createSession(pool, rows[0]!.id);
    await pool.query(`UPDATE sessions SET expires_at = now() - interval '1 second'`);
    expect(await findSessionUser(pool, session.token)).toBeNull();
  });

  it("a role change takes effect on the next request", async () => {
    const session = await signInAs("ana@example.com", "ana-password");
    const { rows } = await pool.query<{ id: string }>(`SELECT id FROM users WHERE email = 'ana@example.com'`);
    await updateUser(pool, null, rows[0]!.id, { role: "viewer" });
    expect((await findSessionUser(pool, session!.token))?.role).toBe("viewer");
    await updateUser(pool, null, rows[0]!.id, { role: "operator" });
  });

  it("disabling a user ends their sessions at once and refuses their sign-in; enabling lets them back", async () => {
    const session = await signInAs("ana@example.com", "ana-password");
    const { rows } = await pool.query<{ id: string }>(`SELECT id FROM users WHERE email = 'ana@example.com'`);
    const ana = rows[0]!.id;
    const result = await updateUser(pool, null, ana, { disabled: true });
    expect(result.sessionsEnded).toBeGreaterThan(0);
    expect(await findSessionUser(pool, session!.token)).toBeNull();
    expect((await pool.query(`SELECT 1 FROM sessions WHERE user_id = $1`, [ana])).rowCount).toBe(0);
    expect(await signInAs("ana@example.com", "ana-password")).toBeNull();
    await updateUser(pool, null, ana, { disabled: false });
    expect(await signInAs("ana@example.com", "ana-password")).not.toBeNull();
  });

  it("a password reset ends the user's sessions and the new password works", async () => {
    const session = await signInAs("ana@example.com", "ana-password");
    const { rows } = await pool.query<{ id: string }>(`SELECT id FROM users WHERE email = 'ana@example.com'`);
    await updateUser(pool, null, rows[0]!.id, { password: "new-password-1" });
    expect(await findSessionUser(pool, session!.token)).toBeNull();
    expect(await signInAs("ana@example.com", "ana-password")).toBeNull();
    expect(await signInAs("ana@example.com", "new-password-1")).not.toBeNull();
  });

  it("keeps one enabled admin and refuses to let an admin disable themselves", async () => {
    const { rows } = await pool.query<{ id: string }>(`SELECT id FROM users WHERE email = 'boss@example.com'`);
    const boss = rows[0]!.id;
    expect(await code(updateUser(pool, null, boss, { role: "operator" }))).toBe("last_admin");
    expect(await code(updateUser(pool, null, boss, { disabled: true }))).toBe("last_admin");
    expect(await code(updateUser(pool, boss, boss, { disabled: true }))).toBe("cannot_disable_self");
    const { id: second } = await createUser(pool, { email: "second-admin@example.com", role: "admin", password: "second-admin" });
    expect(await code(updateUser(pool, second, boss, { role: "operator" }))).toBe("ok");
    expect(await code(updateUser(pool, null, second, { disabled: true }))).toBe("last_admin");
  });

  it("the configured admin is restored as an enabled admin at start (the way back in)", async () => {
    const { rows } = await pool.query<{ id: string }>(`SELECT id FROM users WHERE email = 'boss@example.com'`);
    await ensureAdmin(pool, { email: "boss@example.com", password: "first-admin-pw" });
    expect((await listUsers(pool)).find((u) => u.id === rows[0]!.id)).toMatchObject({ role: "admin", disabled: false });
  });
});
