import "server-only";
import { pool } from "@/lib/db/client";
import { env } from "@/lib/env";
import { findTokenPrincipal, TOKEN_PREFIX, type TokenPrincipal } from "./api-tokens";
import type { Role } from "./roles";
import { findSessionUser, isApiToken, SESSION_COOKIE } from "./sessions";

/**
 * Who is calling: a signed-in user (session cookie), a personal API token, or
 * the bootstrap API_TOKEN from the environment, which acts as an admin.
 */
export type Principal =
  | { kind: "user"; id: string; email: string; role: Role }
  | TokenPrincipal
  | { kind: "api_token"; role: "admin" };

function cookieValue(header: string | null, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k !== name) continue;
    // A value that is not valid percent-encoding is no session (not a 500).
    try {
      return decodeURIComponent(v.join("="));
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** The caller, or null for nobody. */
export async function authenticate(request: Request): Promise<Principal | null> {
  const authorization = request.headers.get("authorization");
  if (authorization?.startsWith("Bearer ")) {
    const presented = authorization.slice(7).trim();
    if (presented.startsWith(TOKEN_PREFIX)) return findTokenPrincipal(pool(), presented);
    return isApiToken(presented, env().API_TOKEN) ? { kind: "api_token", role: "admin" } : null;
  }
  const user = await findSessionUser(pool(), cookieValue(request.headers.get("cookie"), SESSION_COOKIE));
  return user ? { kind: "user", ...user } : null;
}

export function sessionToken(request: Request): string | undefined {
  return cookieValue(request.headers.get("cookie"), SESSION_COOKIE);
}

/** The user behind a principal (a person, or the person who created a token); null for API_TOKEN. */
export function principalUserId(principal: Principal): string | null {
  if (principal.kind === "user") return principal.id;
  if (principal.kind === "token") return principal.userId;
  return null;
}

/** How the audit trail names a principal. */
export function principalName(principal: Principal): string {
  if (principal.kind === "user") return principal.email;
  if (principal.kind === "token") return `token “${principal.name}”`;
  return "API_TOKEN";
}
