import { randomUUID } from "node:crypto";
import type { PgBoss } from "pg-boss";
import type pg from "pg";
import type { WebhookEventType } from "./event-types";
import { sendDeliveryJobs } from "./queue";

/**
 * Records an event and one delivery per endpoint subscribed to its type, and
 * queues their first attempts — all in the caller's transaction, the one
 * that made the transition, so the event exists (once, with one id) if and
 * only if the transition committed.
 */
export async function emitWebhookEvent(tx: pg.PoolClient, boss: PgBoss, type: WebhookEventType, videoId: string | null, data: Record<string, unknown>): Promise<void> {
  const { rows: endpoints } = await tx.query<{ id: string }>(`SELECT id FROM webhook_endpoints WHERE $1 = ANY(events)`, [type]);
  if (endpoints.length === 0) return;
  const id = `evt_${randomUUID().replaceAll("-", "")}`;
  const timestamp = new Date().toISOString();
  // The Standard Webhooks payload shape; stored as the exact bytes to sign.
  const payload = JSON.stringify({ type, timestamp, data });
  await tx.query(`INSERT INTO webhook_events (id, type, video_id, payload, created_at) VALUES ($1, $2, $3, $4, $5)`, [id, type, videoId, payload, timestamp]);
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO webhook_deliveries (id, endpoint_id, event_id, next_attempt_at)
     SELECT gen_random_uuid(), unnest($1::uuid[]), $2, now() RETURNING id`,
    [endpoints.map((e) => e.id), id],
  );
  await sendDeliveryJobs(boss, rows.map((r) => r.id), { client: tx });
}

const TERMINAL_EVENT: Partial<Record<string, WebhookEventType>> = { completed: "video.completed", failed: "video.failed", canceled: "video.canceled" };

/** After a video's status changed (a guarded update that returned a row): the matching event, if the status is terminal. */
export async function emitVideoStatusEvent(tx: pg.PoolClient, boss: PgBoss, videoId: string, status: string): Promise<void> {
  const type = TERMINAL_EVENT[status];
  if (!type) return;
  const { rows } = await tx.query<{ title: string; original_name: string; error: unknown; finished_at: Date | null; frame_count: number | null; duration_sec: number | null }>(
    `SELECT title, original_name, error, finished_at, frame_count, duration_sec FROM videos WHERE id = $1`,
    [videoId],
  );
  const v = rows[0];
  if (!v) return;
  const { rows: stages } = await tx.query<{ name: string; status: string; total: number; succeeded: number; failed: number }>(
    `SELECT name, status, total, succeeded, failed FROM video_stages WHERE video_id = $1 ORDER BY name`,
    [videoId],
  );
  await emitWebhookEvent(tx, boss, type, videoId, {
    videoId,
    title: v.title,
    originalName: v.original_name,
    status,
    finishedAt: v.finished_at?.toISOString() ?? null,
    frameCount: v.frame_count,
    durationSec: v.duration_sec,
    stages: stages.map((s) => ({ name: s.name, status: s.status })),
    ...(status === "completed" ? { output: `/api/videos/${videoId}/output` } : {}),
    ...(v.error ? { error: v.error } : {}),
  });
}

/** The enhance stage finished with failed frames: how many, per error group. */
export async function emitFramesFailed(tx: pg.PoolClient, boss: PgBoss, videoId: string): Promise<void> {
  const { rows } = await tx.query<{ fingerprint: string | null; error_class: string | null; http_status: number | null; message: string | null; count: number }>(
    `SELECT error_fingerprint AS fingerprint, max(last_error->>'errorClass') AS error_class,
            max((last_error->>'httpStatus')::int) AS http_status, max(last_error->>'message') AS message, count(*)::int AS count
       FROM frame_executions WHERE video_id = $1 AND status = 'failed'
      GROUP BY error_fingerprint ORDER BY count(*) DESC LIMIT 20`,
    [videoId],
  );
  if (rows.length === 0) return;
  const { rows: v } = await tx.query<{ title: string; frame_count: number | null }>(`SELECT title, frame_count FROM videos WHERE id = $1`, [videoId]);
  await emitWebhookEvent(tx, boss, "frames.failed", videoId, {
    videoId,
    title: v[0]?.title ?? null,
    frameCount: v[0]?.frame_count ?? null,
    failed: rows.reduce((n, r) => n + r.count, 0),
    groups: rows.map((r) => ({ fingerprint: r.fingerprint, errorClass: r.error_class, httpStatus: r.http_status, message: r.message, count: r.count })),
  });
}
