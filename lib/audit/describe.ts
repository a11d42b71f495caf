// Sentences for audit rows ("ana@example.com retried 57 frames in group HTTP 503").
// Pure: used by the video page's history and the audit page.

export interface AuditItem {
  id: string;
  at: string;
  actor: string;
  action: string;
  videoId: string | null;
  detail: Record<string, unknown> | null;
  result: string;
  ip: string | null;
}

const plural = (n: number, word: string) => `${n.toLocaleString("en-US")} ${word}${n === 1 ? "" : "s"}`;

/** "http_error|503|Service unavailable" -> "HTTP 503"; "timeout|-|..." -> "timeout". */
export function groupLabel(fingerprint: string): string {
  const [errorClass, status, message] = fingerprint.split("|");
  if (status && status !== "-") return `HTTP ${status}`;
  return errorClass || message || fingerprint;
}

function retryPhrase(detail: Record<string, unknown>): string {
  const count = typeof detail.requeued === "number" ? detail.requeued : null;
  const what = count === null ? "failed frames" : plural(count, "frame");
  if (typeof detail.fingerprint === "string") return `retried ${what} in group ${groupLabel(detail.fingerprint)}`;
  if (Array.isArray(detail.frames)) return count === null ? `retried frames ${detail.frames.slice(0, 5).join(", ")}` : `retried ${what} (selected)`;
  if (Array.isArray(detail.stages)) return `retried stages ${detail.stages.join(", ")}`;
  return `retried ${count === null ? "all failed frames" : `all ${what} that failed`}`;
}

const PHRASES: Record<string, (d: Record<string, unknown>) => string> = {
  "video.upload": (d) => `uploaded ${typeof d.originalName === "string" ? `“${d.originalName}”` : "a video"}`,
  "video.retry": retryPhrase,
  "video.cancel": () => "canceled processing",
  "video.delete": () => "deleted the video",
  "video.encode_anyway": (d) => (typeof d.substituted === "number" ? `encoded anyway with ${plural(d.substituted, "original frame")}` : "encoded anyway"),
  "user.create": (d) => `added user ${String(d.email ?? "")} as ${String(d.role ?? "")}`.trim(),
  "user.update": (d) => `changed user ${String(d.email ?? "")}: ${Object.keys(d).filter((k) => k !== "email" && k !== "sessionsEnded").join(", ")}`,
  "token.create": (d) => `created API token “${String(d.name ?? "")}” (${String(d.role ?? "")})`,
  "token.revoke": (d) => `revoked API token “${String(d.name ?? "")}”`,
  "webhook.create": (d) => `added webhook endpoint ${String(d.url ?? "")}`,
  "webhook.delete": (d) => `removed webhook endpoint ${String(d.url ?? "")}`,
  "webhook.redeliver": (d) => `redelivered webhook event ${String(d.eventId ?? "")}`,
  "bulk.create": (d) => `started a bulk ${String(d.action ?? "action").replace("_", " ")} on ${typeof d.total === "number" ? plural(d.total, "video") : "videos"}`,
  "auth.sign_in_failed": (d) => `failed to sign in${typeof d.email === "string" ? ` as ${d.email}` : ""}`,
  "request.forbidden": (d) => `was refused ${String(d.method ?? "")} ${String(d.path ?? "")}`.trim(),
};

/** One line for a row: who did what, and how it ended when not ok. */
export function describeAudit(item: Pick<AuditItem, "actor" | "action" | "detail" | "result">): string {
  const phrase = PHRASES[item.action]?.(item.detail ?? {}) ?? item.action;
  const outcome = item.result === "ok" ? "" : ` — refused (${item.result})`;
  return `${item.actor} ${phrase}${outcome}`;
}
