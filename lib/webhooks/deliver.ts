import type { PgBoss } from "pg-boss";
import type pg from "pg";
import { Webhook } from "standardwebhooks";
import { transaction } from "@/lib/db/client";
import { sendDeliveryJobs } from "./queue";
import { nextAttemptAt } from "./retry-schedule";
import { sendWebhook, type SendResult } from "./send";
import { claimDelivery, markAttemptFailed, markDelivered } from "./sql/deliveries";

export interface DeliveryOptions {
  timeoutMs: number;
  allowPrivate: boolean;
}

/** The Standard Webhooks headers for one attempt: same id every time, this attempt's timestamp, its signature. */
export function signedHeaders(secret: string, eventId: string, payload: string, at = new Date()): Record<string, string> {
  const signature = new Webhook(secret).sign(eventId, at, payload);
  return { "webhook-id": eventId, "webhook-timestamp": String(Math.floor(at.getTime() / 1000)), "webhook-signature": signature };
}

export type DeliveryOutcome = { kind: "delivered"; statusCode: number } | { kind: "retry"; at: Date; result: SendResult } | { kind: "gave_up"; result: SendResult } | { kind: "skipped" };

/**
 * One attempt of one delivery: claim it (a guarded update; a duplicate job
 * finds nothing to do), sign, POST, and settle — delivered, another attempt
 * queued for later, or given up once the 24-hour window is over. The lease
 * covers the request's timeout and redirects, so a worker that dies mid-send
 * hands the delivery back.
 */
export async function attemptDelivery(pool: pg.Pool, boss: PgBoss, deliveryId: string, opts: DeliveryOptions): Promise<DeliveryOutcome> {
  const leaseSeconds = Math.ceil((opts.timeoutMs * 4) / 1000) + 10;
  const claimed = await claimDelivery(pool, deliveryId, leaseSeconds);
  if (!claimed) return { kind: "skipped" };
  const result = await sendWebhook(claimed.url, signedHeaders(claimed.secret, claimed.eventId, claimed.payload), claimed.payload, opts);
  if (result.ok) {
    await markDelivered(pool, claimed.id, result.statusCode!);
    return { kind: "delivered", statusCode: result.statusCode! };
  }
  const next = nextAttemptAt(claimed.eventAt, claimed.attempts, new Date());
  await transaction(pool, async (tx) => {
    if ((await markAttemptFailed(tx, claimed.id, result.statusCode, result.error ?? "failed", next)) && next) {
      await sendDeliveryJobs(boss, [claimed.id], { client: tx, startAfter: next });
    }
  });
  return next ? { kind: "retry", at: next, result } : { kind: "gave_up", result };
}
