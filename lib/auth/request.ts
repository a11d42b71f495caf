import { pool } from "@/lib/db/client";
import { env } from "@/lib/env";
import { findSessionUser, isApiToken, SESSION_COOKIE } from "./sessions";

export type Principal = { kind: "user"; id: string; email: string } | { kind: "token" };

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

/** Who is calling: a bearer API_TOKEN, or a signed-in admin's session cookie; null for nobody. */
export async function authenticate(request: Request): Promise<Principal | null> {
  const authorization = request.headers.get("authorization");
  if (authorization?.startsWith("Bearer ")) {
    return isApiToken(authorization.slice(7).trim(), env().API_TOKEN) ? { kind: "token" } : null;
  }
  const user = await findSessionUser(pool(), cookieValue(request.headers.get("cookie"), SESSION_COOKIE));
  return user ? { kind: "user", ...user } : null;
}

export function sessionToken(request: Request): string | undefined {
  return cookieValue(request.headers.get("cookie"), SESSION_COOKIE);
}
