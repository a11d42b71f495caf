import { pool, type Db } from "@/lib/db/client";
import { principalName, type Principal } from "@/lib/auth/request";
import { DomainError } from "@/lib/pipeline/errors";

export interface Actor {
  kind: "user" | "token" | "api_token" | "anonymous";
  id: string | null;
  name: string;
  ip: string | null;
}

export interface AuditEntry {
  action: string;
  videoId?: string | null;
  detail?: Record<string, unknown> | null;
  /** "ok", or the error code of a refused or failed action. */
  result?: string;
}

/**
 * Where a request came from. Route handlers do not see the socket, so this is
 * the first X-Forwarded-For hop (set by the reverse proxy in front of the
 * app), else X-Real-IP; only as trustworthy as that proxy.
 */
export function requestIp(request: Request): string | null {
  const forwarded = request.headers.get("x-forwarded-for")?.split(",")[0]?.trim();
  return (forwarded || request.headers.get("x-real-ip")?.trim() || null)?.slice(0, 100) ?? null;
}

export function actorOf(principal: Principal | null, request: Request, fallbackName = "anonymous"): Actor {
  const ip = requestIp(request);
  if (!principal) return { kind: "anonymous", id: null, name: fallbackName, ip };
  return { kind: principal.kind, id: principal.kind === "api_token" ? null : principal.id, name: principalName(principal), ip };
}

export async function recordAudit(db: Db, actor: Actor, entry: AuditEntry): Promise<void> {
  await db.query(
    `INSERT INTO audit_events (actor_kind, actor_id, actor, action, video_id, detail, result, ip)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [actor.kind, actor.id, actor.name.slice(0, 320), entry.action, entry.videoId ?? null, entry.detail ? JSON.stringify(entry.detail) : null, entry.result ?? "ok", actor.ip],
  );
}

/**
 * Runs a state-changing action and records it, whatever its outcome: "ok"
 * with the detail the result adds (e.g. how many frames were re-queued), or
 * the error code of a refusal. The row is written after the action's own
 * transaction commits; an audit write that fails is logged, never turned
 * into a failure of an action that already happened.
 */
export async function audited<T>(
  db: Db,
  actor: Actor,
  entry: Omit<AuditEntry, "result">,
  run: () => Promise<T>,
  describe?: (result: T) => Record<string, unknown>,
): Promise<T> {
  let result: T;
  try {
    result = await run();
  } catch (error) {
    const code = error instanceof DomainError ? error.code : error instanceof Error && error.name === "ZodError" ? "invalid_request" : "error";
    await recordAudit(db, actor, { ...entry, result: code }).catch((e) => console.error("[audit] could not record:", e));
    throw error;
  }
  const added = describe?.(result);
  const detail = added ? { ...entry.detail, ...added } : entry.detail;
  // An action that creates a video (an upload) names it in its result.
  const videoId = entry.videoId ?? (typeof added?.videoId === "string" ? added.videoId : null);
  await recordAudit(db, actor, { ...entry, videoId, detail, result: "ok" }).catch((e) => console.error("[audit] could not record:", e));
  return result;
}

/** audited() for a route handler: the caller is the request's principal, the row goes to the app's pool. */
export function auditedRequest<T>(
  request: Request,
  principal: Principal,
  entry: Omit<AuditEntry, "result">,
  run: () => Promise<T>,
  describe?: (result: T) => Record<string, unknown>,
): Promise<T> {
  return audited(pool(), actorOf(principal, request), entry, run, describe);
}
