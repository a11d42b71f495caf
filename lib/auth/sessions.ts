import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Db } from "@/lib/db/client";
import type { Role } from "./roles";

export const SESSION_COOKIE = "fw_session";
export const SESSION_TTL_SECONDS = 7 * 24 * 3600;

const digest = (token: string) => createHash("sha256").update(token).digest("hex");

/** A new session: the cookie gets a random token, the table only its sha256. */
export async function createSession(db: Db, userId: string): Promise<{ token: string; expiresAt: Date }> {
  const token = randomBytes(32).toString("base64url");
  const expiresAt = new Date(Date.now() + SESSION_TTL_SECONDS * 1000);
  await db.query(`INSERT INTO sessions (id, user_id, expires_at) VALUES ($1, $2, $3)`, [digest(token), userId, expiresAt]);
  return { token, expiresAt };
}

export interface SessionUser {
  id: string;
  email: string;
  role: Role;
}

/** The session's user, read on every request: a role change or a disabled account takes effect at once. */
export async function findSessionUser(db: Db, token: string | undefined): Promise<SessionUser | null> {
  if (!token || token.length > 200) return null;
  const { rows } = await db.query<SessionUser>(
    `SELECT u.id, u.email, u.role FROM sessions s JOIN users u ON u.id = s.user_id
      WHERE s.id = $1 AND s.expires_at > now() AND u.disabled_at IS NULL`,
    [digest(token)],
  );
  return rows[0] ?? null;
}

export async function deleteSession(db: Db, token: string | undefined): Promise<void> {
  if (token) await db.query(`DELETE FROM sessions WHERE id = $1`, [digest(token)]);
}

/** Ends every session of a user (disabled, password reset). */
export async function endUserSessions(db: Db, userId: string): Promise<number> {
  const { rowCount } = await db.query(`DELETE FROM sessions WHERE user_id = $1`, [userId]);
  return rowCount ?? 0;
}

/** Sessions past their expiry (the sweeper removes them). */
export async function deleteExpiredSessions(db: Db): Promise<void> {
  await db.query(`DELETE FROM sessions WHERE expires_at < now()`);
}

export async function findUserByEmail(db: Db, email: string): Promise<{ id: string; password_hash: string; disabled: boolean } | null> {
  const { rows } = await db.query<{ id: string; password_hash: string; disabled: boolean }>(
    `SELECT id, password_hash, disabled_at IS NOT NULL AS disabled FROM users WHERE lower(email) = lower($1)`,
    [email],
  );
  return rows[0] ?? null;
}

/** Constant-time comparison of a bearer token with API_TOKEN. */
export function isApiToken(presented: string, configured: string | undefined): boolean {
  if (!configured) return false;
  const a = createHash("sha256").update(presented).digest();
  const b = createHash("sha256").update(configured).digest();
  return timingSafeEqual(a, b);
}
