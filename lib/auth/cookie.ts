import { SESSION_COOKIE } from "./sessions";

// HttpOnly (no script can read it), SameSite=Lax (not sent on cross-site
// POSTs), Secure when the request came over HTTPS (directly or via a proxy).
function secure(request: Request): boolean {
  return new URL(request.url).protocol === "https:" || request.headers.get("x-forwarded-proto") === "https";
}

export function sessionCookie(request: Request, token: string, expiresAt: Date): string {
  return [`${SESSION_COOKIE}=${token}`, "Path=/", "HttpOnly", "SameSite=Lax", `Expires=${expiresAt.toUTCString()}`, ...(secure(request) ? ["Secure"] : [])].join("; ");
}

export function clearedSessionCookie(request: Request): string {
  return [`${SESSION_COOKIE}=`, "Path=/", "HttpOnly", "SameSite=Lax", "Max-Age=0", ...(secure(request) ? ["Secure"] : [])].join("; ");
}
