import { randomBytes } from "node:crypto";
import type { PgBoss } from "pg-boss";
import type pg from "pg";
import { transaction, type Db } from "@/lib/db/client";
import { DomainError } from "@/lib/pipeline/errors";
import { checkWebhookUrl, WebhookUrlError } from "./address-policy";
import type { WebhookEventType } from "./event-types";
import { sendDeliveryJobs } from "./queue";
import { reopenDelivery } from "./sql/deliveries";

export interface WebhookEndpointView {
  id: string;
  url: string;
  events: WebhookEventType[];
  description: string | null;
  createdAt: string;
  deliveries: { succeeded: number; failed: number; pending: number };
}

export interface WebhookDeliveryView {
  id: string;
  eventId: string;
  type: string;
  videoId: string | null;
  status: "pending" | "sending" | "succeeded" | "failed";
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  createdAt: string;
  updatedAt: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const notFound = () => new DomainError("not_found", "webhook_not_found", "No such webhook endpoint.");

export function endpointId(raw: string): string {
  if (!UUID.test(raw)) throw notFound();
  return raw;
}

/** Registers an endpoint; the secret (whsec_ + 24 random bytes, base64) is returned this once. */
export async function createEndpoint(
  db: Db,
  input: { url: string; events: WebhookEventType[]; description?: string | null; createdBy: string },
  allowPrivate: boolean,
): Promise<{ id: string; secret: string }> {
  try {
    await checkWebhookUrl(input.url, allowPrivate);
  } catch (error) {
    if (error instanceof WebhookUrlError) throw new DomainError("invalid", "webhook_url_refused", error.message);
    throw error;
  }
  const secret = `whsec_${randomBytes(24).toString("base64")}`;
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO webhook_endpoints (id, url, events, secret, description, created_by) VALUES (gen_random_uuid(), $1, $2, $3, $4, $5) RETURNING id`,
    [input.url, [...new Set(input.events)], secret, input.description ?? null, input.createdBy],
  );
  return { id: rows[0]!.id, secret };
}

export async function listEndpoints(db: Db): Promise<WebhookEndpointView[]> {
  const { rows } = await db.query<{ id: string; url: string; events: WebhookEventType[]; description: string | null; created_at: Date; succeeded: number; failed: number; pending: number }>(
    `SELECT e.id, e.url, e.events, e.description, e.created_at,
            count(*) FILTER (WHERE d.status = 'succeeded')::int AS succeeded,
            count(*) FILTER (WHERE d.status = 'failed')::int AS failed,
            count(*) FILTER (WHERE d.status IN ('pending', 'sending'))::int AS pending
       FROM webhook_endpoints e LEFT JOIN webhook_deliveries d ON d.endpoint_id = e.id
      GROUP BY e.id ORDER BY e.created_at DESC`,
  );
  return rows.map((r) => ({
    id: r.id, url: r.url, events: r.events, description: r.description, createdAt: r.created_at.toISOString(),
    deliveries: { succeeded: r.succeeded, failed: r.failed, pending: r.pending },
  }));
}

/** Removes an endpoint and its delivery history; attempts already queued find nothing and do nothing. */
export async function deleteEndpoint(db: Db, id: string): Promise<{ url: string }> {
  const { rows } = await db.query<{ url: string }>(`DELETE FROM webhook_endpoints WHERE id = $1 RETURNING url`, [id]);
  if (!rows[0]) throw notFound();
  return rows[0];
}

export async function listDeliveries(db: Db, endpoint: string, opts: { cursor?: string; limit: number }): Promise<{ endpoint: WebhookEndpointView; deliveries: WebhookDeliveryView[]; nextCursor: string | null }> {
  const found = (await listEndpoints(db)).find((e) => e.id === endpoint);
  if (!found) throw notFound();
  const { rows } = await db.query<{ id: string; event_id: string; type: string; video_id: string | null; status: WebhookDeliveryView["status"]; attempts: number; last_status_code: number | null; last_error: string | null; next_attempt_at: Date | null; delivered_at: Date | null; created_at: Date; updated_at: Date }>(
    `SELECT d.id, d.event_id, ev.type, ev.video_id, d.status, d.attempts, d.last_status_code, d.last_error, d.next_attempt_at, d.delivered_at, d.created_at, d.updated_at
       FROM webhook_deliveries d JOIN webhook_events ev ON ev.id = d.event_id
      WHERE d.endpoint_id = $1 AND ($2::timestamptz IS NULL OR d.created_at < $2)
      ORDER BY d.created_at DESC LIMIT $3`,
    [endpoint, opts.cursor ?? null, opts.limit + 1],
  );
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  const page = rows.slice(0, opts.limit);
  return {
    endpoint: found,
    deliveries: page.map((r) => ({
      id: r.id, eventId: r.event_id, type: r.type, videoId: r.video_id, status: r.status, attempts: r.attempts, lastStatusCode: r.last_status_code,
      lastError: r.last_error, nextAttemptAt: iso(r.next_attempt_at), deliveredAt: iso(r.delivered_at), createdAt: r.created_at.toISOString(), updatedAt: r.updated_at.toISOString(),
    })),
    nextCursor: rows.length > opts.limit ? page.at(-1)!.created_at.toISOString() : null,
  };
}

/** "Redeliver": sends a finished delivery again now, with the same event id (receivers that dedupe will skip it). */
export async function redeliver(pool: pg.Pool, boss: PgBoss, endpoint: string, deliveryId: string): Promise<{ eventId: string }> {
  return transaction(pool, async (tx) => {
    const state = await reopenDelivery(tx, endpoint, deliveryId);
    if (state === "missing") throw new DomainError("not_found", "delivery_not_found", "No such delivery for this endpoint.");
    if (state === "busy") throw new DomainError("conflict", "delivery_in_progress", "This delivery is still being attempted; wait for it to finish.");
    await sendDeliveryJobs(boss, [deliveryId], { client: tx });
    const { rows } = await tx.query<{ event_id: string }>(`SELECT event_id FROM webhook_deliveries WHERE id = $1`, [deliveryId]);
    return { eventId: rows[0]!.event_id };
  });
}
