import { afterAll, describe, expect, it } from "vitest";
import { transaction } from "@/lib/db/client";
import { advanceVideo, finishEnhanceWhenDone } from "@/lib/pipeline/flow";
import { createTestPipeline } from "@/test/support/pipeline";
import { seedEnhancingVideo } from "@/test/support/seed";
import { startWebhookReceiver } from "@/test/support/webhook-receiver";
import { attemptDelivery } from "./deliver";
import { createEndpoint, listDeliveries, redeliver } from "./endpoints";

// Webhooks against a real PostgreSQL, real pg-boss and a real receiver on
// loopback that verifies signatures with the standardwebhooks package.
describe("webhook events and deliveries", async () => {
  const { pool, ctx } = await createTestPipeline();
  const open = { timeoutMs: 2000, allowPrivate: true };

  async function completedVideo(): Promise<string> {
    const id = await seedEnhancingVideo(ctx, { frames: 2, files: false });
    await transaction(pool, async (tx) => {
      await tx.query(`UPDATE video_stages SET status = 'succeeded' WHERE video_id = $1`, [id]);
      await advanceVideo(tx, ctx, id);
      // A second look at the same transition changes nothing and emits nothing.
      await advanceVideo(tx, ctx, id);
    });
    return id;
  }
  const deliveriesOf = async (endpoint: string) => (await listDeliveries(pool, endpoint, { limit: 100 })).deliveries;
  const jobsOf = async (deliveryId: string) =>
    (await pool.query<{ start_after: Date }>(`SELECT start_after FROM pgboss.job WHERE name = 'webhook' AND data->>'deliveryId' = $1 ORDER BY created_on`, [deliveryId])).rows;

  it("refuses a private endpoint unless allowed", async () => {
    await expect(createEndpoint(pool, { url: "http://127.0.0.1:1/hook", events: ["video.completed"], createdBy: "t" }, false)).rejects.toMatchObject({ code: "webhook_url_refused" });
  });

  it("a completed video is one signed event; a failed first attempt is retried later with the same id, and the receiver processes it once", async () => {
    const receiver = await startWebhookReceiver({ answer: (n) => (n === 0 ? 503 : 200) });
    afterAll(receiver.close);
    const { id: endpoint, secret } = await createEndpoint(pool, { url: receiver.url, events: ["video.completed"], createdBy: "t" }, true);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]+$/);
    receiver.setSecret(secret);
    const videoId = await completedVideo();

    const [delivery] = await deliveriesOf(endpoint);
    expect(delivery).toMatchObject({ type: "video.completed", videoId, status: "pending", attempts: 0 });
    expect(await jobsOf(delivery!.id)).toHaveLength(1);

    const first = await attemptDelivery(pool, ctx.boss, delivery!.id, open);
    expect(first.kind).toBe("retry");
    const jobs = await jobsOf(delivery!.id);
    expect(jobs).toHaveLength(2);
    // The next attempt is queued ~5 s out, not sent at once.
    expect(jobs[1]!.start_after.getTime() - Date.now()).toBeGreaterThan(2000);
    expect((await deliveriesOf(endpoint))[0]).toMatchObject({ status: "pending", attempts: 1, lastStatusCode: 503, lastError: "HTTP 503: receiver says no" });

    expect(await attemptDelivery(pool, ctx.boss, delivery!.id, open)).toEqual({ kind: "delivered", statusCode: 200 });
    // The job pg-boss may still hold for this delivery finds it done.
    expect(await attemptDelivery(pool, ctx.boss, delivery!.id, open)).toEqual({ kind: "skipped" });

    expect(receiver.received.map((r) => [r.status, r.verified])).toEqual([[503, true], [200, true]]);
    expect(new Set(receiver.received.map((r) => r.id)).size).toBe(1);
    expect(receiver.received[0]!.id).toBe(delivery!.eventId);
    expect([...receiver.accepted.values()]).toEqual([1]);
    const payload = JSON.parse(receiver.received[1]!.body) as { type: string; timestamp: string; data: { videoId: string; status: string; output: string } };
    expect(payload).toMatchObject({ type: "video.completed", data: { videoId, status: "completed", output: `/api/videos/${videoId}/output` } });
    expect(Date.parse(payload.timestamp)).not.toBeNaN();
    expect((await deliveriesOf(endpoint))[0]).toMatchObject({ status: "succeeded", attempts: 2, lastStatusCode: 200 });

    // Redeliver: the same event id again, for receivers that lost it.
    await redeliver(pool, ctx.boss, endpoint, delivery!.id);
    expect(await attemptDelivery(pool, ctx.boss, delivery!.id, open)).toMatchObject({ kind: "delivered" });
    expect(receiver.received.map((r) => r.id)).toEqual([delivery!.eventId, delivery!.eventId, delivery!.eventId]);
    expect(receiver.accepted.get(delivery!.eventId)).toBe(2);
  });

  it("frames.failed carries the counts per error group, to endpoints that asked for it only", async () => {
    const receiver = await startWebhookReceiver();
    afterAll(receiver.close);
    const { id: endpoint } = await createEndpoint(pool, { url: receiver.url, events: ["frames.failed"], createdBy: "t" }, true);
    const videoId = await seedEnhancingVideo(ctx, { frames: 3, files: false });
    await pool.query(
      `UPDATE frame_executions SET status = CASE WHEN frame_index = 1 THEN 'failed'::frame_status ELSE 'succeeded'::frame_status END,
              error_fingerprint = CASE WHEN frame_index = 1 THEN 'http|503|busy' END,
              last_error = CASE WHEN frame_index = 1 THEN '{"errorClass":"http","httpStatus":503,"message":"busy"}'::jsonb END
        WHERE video_id = $1`,
      [videoId],
    );
    await pool.query(`UPDATE video_stages SET total = 3, pending = 0, running = 0, succeeded = 2, failed = 1 WHERE video_id = $1 AND name = 'enhance'`, [videoId]);
    expect(await finishEnhanceWhenDone(ctx, videoId)).toBe("failed");
    const deliveries = await deliveriesOf(endpoint);
    expect(deliveries.map((d) => d.type)).toEqual(["frames.failed"]);
    await attemptDelivery(pool, ctx.boss, deliveries[0]!.id, open);
    const body = JSON.parse(receiver.received[0]!.body) as { data: { failed: number; groups: { httpStatus: number; count: number }[] } };
    expect(body.data.failed).toBe(1);
    expect(body.data.groups).toEqual([{ fingerprint: "http|503|busy", errorClass: "http", httpStatus: 503, message: "busy", count: 1 }]);
  });

  it("follows a redirect on the same host, refuses one to another host, and gives up on a receiver that hangs", async () => {
    const elsewhere = await startWebhookReceiver();
    afterAll(elsewhere.close);
    let port = 0;
    const receiver = await startWebhookReceiver({
      answer: (n) => (n === 0 ? { status: 307, location: `http://127.0.0.1:${port}/moved` } : n === 1 ? 200 : n === 2 ? { status: 302, location: elsewhere.url } : "hang"),
    });
    port = receiver.port;
    afterAll(receiver.close);
    const { id: endpoint } = await createEndpoint(pool, { url: receiver.url, events: ["video.completed"], createdBy: "t" }, true);
    await completedVideo();
    const [d1] = await deliveriesOf(endpoint);
    expect(await attemptDelivery(pool, ctx.boss, d1!.id, open)).toEqual({ kind: "delivered", statusCode: 200 });

    await completedVideo();
    const [d2] = await deliveriesOf(endpoint);
    const refused = await attemptDelivery(pool, ctx.boss, d2!.id, open);
    expect(refused).toMatchObject({ kind: "retry", result: { statusCode: 302, error: expect.stringContaining("redirect to another host") } });
    expect(elsewhere.received).toHaveLength(0);

    // The hanging receiver: the attempt ends at the timeout; with the event 24 h old, that was the last one.
    await pool.query(`UPDATE webhook_events SET created_at = now() - interval '24 hours 1 minute' WHERE id = $1`, [d2!.eventId]);
    const hung = await attemptDelivery(pool, ctx.boss, d2!.id, { timeoutMs: 300, allowPrivate: true });
    expect(hung).toMatchObject({ kind: "gave_up", result: { error: "no answer within 300 ms" } });
    expect((await deliveriesOf(endpoint)).find((d) => d.id === d2!.id)).toMatchObject({ status: "failed", attempts: 2, nextAttemptAt: null });
  });

  it("refuses to connect to a private address at delivery time when private targets are not allowed", async () => {
    const receiver = await startWebhookReceiver();
    afterAll(receiver.close);
    const { id: endpoint } = await createEndpoint(pool, { url: receiver.url, events: ["video.completed"], createdBy: "t" }, true);
    await completedVideo();
    const [d] = await deliveriesOf(endpoint);
    const outcome = await attemptDelivery(pool, ctx.boss, d!.id, { timeoutMs: 2000, allowPrivate: false });
    expect(outcome).toMatchObject({ kind: "retry", result: { error: expect.stringContaining("private address") } });
    expect(receiver.received).toHaveLength(0);
  });
});
