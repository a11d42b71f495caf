import "server-only";
import type pg from "pg";
import { transaction } from "@/lib/db/client";
import { DomainError } from "@/lib/pipeline/errors";
import { hashPassword } from "./password";
import type { Role } from "./roles";
import { endUserSessions } from "./sessions";

export interface UserView {
  id: string;
  email: string;
  role: Role;
  disabled: boolean;
  createdAt: string;
  lastSignInAt: string | null;
}

export async function listUsers(db: pg.Pool | pg.PoolClient): Promise<UserView[]> {
  const { rows } = await db.query<{ id: string; email: string; role: Role; disabled_at: Date | null; created_at: Date; last_sign_in: Date | null }>(
    `SELECT u.id, u.email, u.role, u.disabled_at, u.created_at,
            (SELECT max(s.created_at) FROM sessions s WHERE s.user_id = u.id) AS last_sign_in
       FROM users u ORDER BY u.disabled_at IS NOT NULL, u.created_at`,
  );
  return rows.map((r) => ({
    id: r.id, email: r.email, role: r.role, disabled: r.disabled_at !== null,
    createdAt: r.created_at.toISOString(), lastSignInAt: r.last_sign_in?.toISOString() ?? null,
  }));
}

export async function createUser(db: pg.Pool, input: { email: string; role: Role; password: string }): Promise<{ id: string }> {
  const hash = await hashPassword(input.password);
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO users (id, email, password_hash, role) VALUES (gen_random_uuid(), lower($1), $2, $3)
     ON CONFLICT (email) DO NOTHING RETURNING id`,
    [input.email, hash, input.role],
  );
  if (!rows[0]) throw new DomainError("conflict", "email_taken", `A user with the email ${input.email.toLowerCase()} already exists.`);
  return { id: rows[0].id };
}

export interface UserChange {
  role?: Role;
  disabled?: boolean;
  password?: string;
}

/**
 * Changes a user. Disabling ends their sessions in the same transaction (and
 * their tokens stop working: token lookups check the creator), so they are
 * out at once; a new password ends their sessions too. The last enabled admin
 * cannot be demoted or disabled, and nobody disables themselves: either would
 * leave no one able to undo it.
 */
export async function updateUser(db: pg.Pool, actorUserId: string | null, id: string, change: UserChange): Promise<{ email: string; sessionsEnded: number }> {
  const hash = change.password !== undefined ? await hashPassword(change.password) : undefined;
  return transaction(db, async (tx) => {
    // Serialise admin changes, so two admins demoting each other at once
    // cannot both pass the "another admin remains" check.
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('framewise:users'))`);
    const { rows } = await tx.query<{ email: string; role: Role; disabled: boolean }>(
      `SELECT email, role, disabled_at IS NOT NULL AS disabled FROM users WHERE id = $1 FOR UPDATE`,
      [id],
    );
    const user = rows[0];
    if (!user) throw new DomainError("not_found", "user_not_found", "No such user.");
    if (change.disabled === true && id === actorUserId) {
      throw new DomainError("conflict", "cannot_disable_self", "You cannot disable your own account.");
    }
    const losesAdmin = user.role === "admin" && !user.disabled && ((change.role !== undefined && change.role !== "admin") || change.disabled === true);
    if (losesAdmin) {
      const { rows: others } = await tx.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM users WHERE role = 'admin' AND disabled_at IS NULL AND id <> $1`,
        [id],
      );
      if (others[0]!.n === 0) throw new DomainError("conflict", "last_admin", "This is the last enabled admin; make someone else an admin first.");
    }
    await tx.query(
      `UPDATE users SET role = COALESCE($2, role),
              disabled_at = CASE WHEN $3::boolean IS NULL THEN disabled_at WHEN $3 THEN COALESCE(disabled_at, now()) ELSE NULL END,
              password_hash = COALESCE($4, password_hash), updated_at = now()
        WHERE id = $1`,
      [id, change.role ?? null, change.disabled ?? null, hash ?? null],
    );
    const sessionsEnded = change.disabled === true || hash !== undefined ? await endUserSessions(tx, id) : 0;
    return { email: user.email, sessionsEnded };
  });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A user id from a URL: a UUID, or "not found". */
export function userId(raw: string): string {
  if (!UUID.test(raw)) throw new DomainError("not_found", "user_not_found", "No such user.");
  return raw;
}
