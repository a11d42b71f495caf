import type { Db } from "@/lib/db/client";

// A delivery's life: pending -> sending (claimed, with a lease) ->
// succeeded | pending (next attempt scheduled) | failed (window over).
// Every move is a guarded update; 0 rows means another run has it.

export interface ClaimedDelivery {
  id: string;
  attempts: number;
  url: string;
  secret: string;
  eventId: string;
  payload: string;
  eventAt: Date;
}

export async function claimDelivery(db: Db, id: string, leaseSeconds: number): Promise<ClaimedDelivery | null> {
  const { rows } = await db.query<{ id: string; attempts: number; url: string; secret: string; event_id: string; payload: string; event_at: Date }>(
    `UPDATE webhook_deliveries d
        SET status = 'sending', attempts = d.attempts + 1, lease_expires_at = now() + make_interval(secs => $2), updated_at = now()
       FROM webhook_endpoints e, webhook_events ev
      WHERE d.id = $1 AND e.id = d.endpoint_id AND ev.id = d.event_id
        AND (d.status = 'pending' OR (d.status = 'sending' AND d.lease_expires_at < now()))
      RETURNING d.id, d.attempts, e.url, e.secret, d.event_id, ev.payload, ev.created_at AS event_at`,
    [id, leaseSeconds],
  );
  const r = rows[0];
  return r ? { id: r.id, attempts: r.attempts, url: r.url, secret: r.secret, eventId: r.event_id, payload: r.payload, eventAt: r.event_at } : null;
}

export async function markDelivered(db: Db, id: string, statusCode: number): Promise<void> {
  await db.query(
    `UPDATE webhook_deliveries SET status = 'succeeded', last_status_code = $2, last_error = NULL, delivered_at = now(),
            next_attempt_at = NULL, lease_expires_at = NULL, updated_at = now()
      WHERE id = $1 AND status = 'sending'`,
    [id, statusCode],
  );
}

/** A failed attempt: pending again until `next`, or failed for good when next is null. */
export async function markAttemptFailed(db: Db, id: string, statusCode: number | null, error: string, next: Date | null): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE webhook_deliveries SET status = CASE WHEN $4::timestamptz IS NULL THEN 'failed' ELSE 'pending' END,
            last_status_code = $2, last_error = left($3, 1000), next_attempt_at = $4, lease_expires_at = NULL, updated_at = now()
      WHERE id = $1 AND status = 'sending'`,
    [id, statusCode, error, next],
  );
  return rowCount === 1;
}

/** "Redeliver": a delivery not being sent right now goes back to pending, due now, keeping its event id. */
export async function reopenDelivery(db: Db, endpointId: string, id: string): Promise<"reopened" | "busy" | "missing"> {
  const { rows } = await db.query<{ reopened: boolean }>(
    `WITH target AS (SELECT id, status FROM webhook_deliveries WHERE id = $2 AND endpoint_id = $1),
          reopened AS (
            UPDATE webhook_deliveries d SET status = 'pending', next_attempt_at = now(), updated_at = now()
              FROM target WHERE d.id = target.id AND target.status IN ('succeeded', 'failed', 'pending') RETURNING d.id)
     SELECT EXISTS (SELECT 1 FROM reopened) AS reopened FROM target`,
    [endpointId, id],
  );
  if (!rows[0]) return "missing";
  return rows[0].reopened ? "reopened" : "busy";
}
