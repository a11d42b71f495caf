import { ZodError } from "zod";
import { CROSS_SITE_MESSAGE, crossSiteRefusal } from "@/lib/auth/csrf";
import { authenticate, type Principal } from "@/lib/auth/request";
import { hasRole, roleForMethod, type Role } from "@/lib/auth/roles";
import { actorOf, recordAudit } from "@/lib/audit/record";
import { pool } from "@/lib/db/client";
import { env } from "@/lib/env";
import { DomainError, type DomainErrorKind } from "@/lib/pipeline/errors";

const STATUS: Record<DomainErrorKind, number> = { invalid: 400, not_found: 404, conflict: 409, too_large: 413, unsupported: 415 };

export function errorResponse(status: number, code: string, message: string): Response {
  return Response.json({ error: { code, message } }, { status });
}

/** Maps what a command or query threw to HTTP, in one place. */
export function toErrorResponse(error: unknown): Response {
  if (error instanceof DomainError) return errorResponse(STATUS[error.kind], error.code, error.message);
  if (error instanceof ZodError) {
    const issue = error.issues[0];
    return errorResponse(400, "invalid_request", issue ? `${issue.path.join(".") || "body"}: ${issue.message}` : "Invalid request.");
  }
  console.error("[web] unexpected error:", error);
  return errorResponse(500, "internal_error", "Something went wrong on the server; the error was logged.");
}

type RouteContext<P> = { params: Promise<P> };

/** 403 for a cookie-carried state change sent from another site (lib/auth/csrf.ts), else null. */
export function refuseCrossSite(request: Request): Response | null {
  const reason = crossSiteRefusal(request, env().TRUSTED_ORIGINS);
  return reason ? errorResponse(403, "cross_site_request", `${CROSS_SITE_MESSAGE} (${reason}.)`) : null;
}

/**
 * Every API route but /api/health goes through this: authentication first
 * (401 without a session or a token), then the cross-site check (403 for a
 * state change carried by the cookie from another site), then the role check
 * (403: reads need a viewer, writes an operator, unless the route asks for
 * more), then the
 * handler, with domain errors mapped to HTTP.
 */
export function withApi<P = Record<string, string>>(
  handler: (request: Request, ctx: { params: P; principal: Principal }) => Promise<Response>,
  options: { role?: Role } = {},
) {
  return async (request: Request, route: RouteContext<P>): Promise<Response> => {
    try {
      const principal = await authenticate(request);
      if (!principal) return errorResponse(401, "unauthorized", "Sign in, or send Authorization: Bearer <token>.");
      const crossSite = refuseCrossSite(request);
      if (crossSite) return crossSite;
      const needed = options.role ?? roleForMethod(request.method);
      if (!hasRole(principal.role, needed)) return await forbidden(request, principal, needed);
      return await handler(request, { params: await route.params, principal });
    } catch (error) {
      return toErrorResponse(error);
    }
  };
}

async function forbidden(request: Request, principal: Principal, needed: Role): Promise<Response> {
  if (roleForMethod(request.method) !== "viewer") {
    const detail = { method: request.method, path: new URL(request.url).pathname, role: principal.role };
    await recordAudit(pool(), actorOf(principal, request), { action: "request.forbidden", detail, result: "forbidden" }).catch(() => {});
  }
  return errorResponse(403, "forbidden", `This needs the ${needed} role; you have the ${principal.role} role.`);
}

export async function readJson(request: Request): Promise<unknown> {
  try {
    return await request.json();
  } catch {
    throw new DomainError("invalid", "invalid_json", "The request body must be JSON.");
  }
}
