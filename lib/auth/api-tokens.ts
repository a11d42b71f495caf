import "server-only";
import { createHash, randomBytes } from "node:crypto";
import type { Db } from "@/lib/db/client";
import { DomainError } from "@/lib/pipeline/errors";
import { hasRole, lowerRole, type Role } from "./roles";

// Personal API tokens: "fwt_" + 32 random bytes (base64url). The table keeps
// only the sha256 of the secret (a random 256-bit secret needs no slow hash:
// there is nothing to brute-force), and the first characters to recognise it.
export const TOKEN_PREFIX = "fwt_";
const digest = (secret: string) => createHash("sha256").update(secret).digest("hex");

export interface TokenPrincipal {
  kind: "token";
  id: string;
  name: string;
  role: Role;
  userId: string | null;
}

/** Who created a token: a signed-in user, another personal token's holder, or the bootstrap API_TOKEN (userId null). */
export interface TokenCreator {
  userId: string | null;
  role: Role;
}

export interface ApiTokenView {
  id: string;
  name: string;
  role: Role;
  prefix: string;
  owner: string | null;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export async function createApiToken(
  db: Db,
  creator: TokenCreator,
  input: { name: string; role: Role; expiresAt?: Date | null },
): Promise<{ id: string; token: string }> {
  if (!hasRole(creator.role, input.role)) {
    throw new DomainError("invalid", "role_too_high", `A token cannot have a higher role than yours (${creator.role}).`);
  }
  if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) {
    throw new DomainError("invalid", "expiry_in_past", "expiresAt must be in the future.");
  }
  const token = TOKEN_PREFIX + randomBytes(32).toString("base64url");
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO api_tokens (id, name, role, token_hash, prefix, user_id, expires_at)
     VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6) RETURNING id`,
    [input.name, input.role, digest(token), token.slice(0, TOKEN_PREFIX.length + 6), creator.userId, input.expiresAt ?? null],
  );
  return { id: rows[0]!.id, token };
}

/**
 * The principal behind a presented secret, or null when it is unknown,
 * revoked, expired, or its creator is disabled. The role is the lower of the
 * token's and its creator's current role, so demoting a person demotes their
 * tokens. last_used_at is written at most once a minute per token, so a busy
 * script does not turn every read into a write.
 */
export async function findTokenPrincipal(db: Db, secret: string): Promise<TokenPrincipal | null> {
  if (!secret.startsWith(TOKEN_PREFIX) || secret.length > 200) return null;
  const { rows } = await db.query<{ id: string; name: string; role: Role; user_id: string | null; user_role: Role | null; stale: boolean }>(
    `SELECT t.id, t.name, t.role, t.user_id, u.role AS user_role,
            (t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute') AS stale
       FROM api_tokens t LEFT JOIN users u ON u.id = t.user_id
      WHERE t.token_hash = $1 AND t.revoked_at IS NULL
        AND (t.expires_at IS NULL OR t.expires_at > now())
        AND (t.user_id IS NULL OR u.disabled_at IS NULL)`,
    [digest(secret)],
  );
  const row = rows[0];
  if (!row) return null;
  if (row.stale) await db.query(`UPDATE api_tokens SET last_used_at = now() WHERE id = $1`, [row.id]);
  return { kind: "token", id: row.id, name: row.name, role: row.user_role ? lowerRole(row.role, row.user_role) : row.role, userId: row.user_id };
}

/** Tokens an actor may see: an admin sees all, anyone else their own. */
export async function listApiTokens(db: Db, viewer: { userId: string | null; all: boolean }): Promise<ApiTokenView[]> {
  const { rows } = await db.query<{
    id: string; name: string; role: Role; prefix: string; owner: string | null;
    created_at: Date; expires_at: Date | null; last_used_at: Date | null; revoked_at: Date | null;
  }>(
    `SELECT t.id, t.name, t.role, t.prefix, u.email AS owner, t.created_at, t.expires_at, t.last_used_at, t.revoked_at
       FROM api_tokens t LEFT JOIN users u ON u.id = t.user_id
      WHERE $1::boolean OR t.user_id IS NOT DISTINCT FROM $2::uuid
      ORDER BY t.revoked_at IS NOT NULL, t.created_at DESC
      LIMIT 500`,
    [viewer.all, viewer.userId],
  );
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return rows.map((r) => ({
    id: r.id, name: r.name, role: r.role, prefix: r.prefix, owner: r.owner,
    createdAt: r.created_at.toISOString(), expiresAt: iso(r.expires_at), lastUsedAt: iso(r.last_used_at), revokedAt: iso(r.revoked_at),
  }));
}

/** Revokes a token the actor may manage (admin: any; others: their own). Returns its name. */
export async function revokeApiToken(db: Db, actor: { userId: string | null; all: boolean }, id: string): Promise<{ name: string }> {
  const { rows } = await db.query<{ name: string; revoked: boolean }>(
    `WITH target AS (
       SELECT id, name, revoked_at FROM api_tokens
        WHERE id = $1 AND ($2::boolean OR user_id IS NOT DISTINCT FROM $3::uuid)
     ), revoked AS (
       UPDATE api_tokens t SET revoked_at = now() FROM target WHERE t.id = target.id AND t.revoked_at IS NULL RETURNING t.id
     )
     SELECT target.name, EXISTS (SELECT 1 FROM revoked) AS revoked FROM target`,
    [id, actor.all, actor.userId],
  );
  if (!rows[0]) throw new DomainError("not_found", "token_not_found", "No such token (or it is not yours).");
  if (!rows[0].revoked) throw new DomainError("conflict", "token_revoked", `Token “${rows[0].name}” was already revoked.`);
  return { name: rows[0].name };
}

/** A token id from a URL: a UUID, or "not found". */
export function tokenId(raw: string): string {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(raw)) {
    throw new DomainError("not_found", "token_not_found", "No such token (or it is not yours).");
  }
  return raw;
}
