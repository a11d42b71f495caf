import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createTestDatabase } from "@/test/support/db";
import { seedEnhancingVideoRows } from "@/bench/seed";
import { claimFrames, type ClaimedFrame } from "./claim-frames";
import { requeueFailedFrames } from "./requeue-frames";
import { completeFrames, deferFrames, failFrames, type FrameFailure } from "./settle-frames";
import { completeFramesAsOriginal } from "./substitute-frames";
import { releaseExpiredLeases } from "./sweep-frames";
import { pruneThroughputCounters, rebuildThroughputCounters } from "./throughput-counters";
import { deleteVideoRow } from "./video-rows";

// The throughput counters are moved by the settle statements; after every
// kind of frame transition they must equal what the rows say (the rebuild,
// which counts frames and attempts by finished_at).
const { pool } = await createTestDatabase();

type Counters = Record<string, { succeeded: number; failed: number }>;

async function maintained(videoId: string): Promise<Counters> {
  const { rows } = await pool.query<{ bucket: Date; succeeded: number; failed: number }>(
    `SELECT bucket, succeeded, failed FROM frame_throughput WHERE video_id = $1 AND (succeeded > 0 OR failed > 0) ORDER BY bucket`,
    [videoId],
  );
  return Object.fromEntries(rows.map((r) => [r.bucket.toISOString(), { succeeded: r.succeeded, failed: r.failed }]));
}

/** Rebuilds from the rows into a scratch copy of the table, and reads that. */
async function fromRows(videoId: string): Promise<Counters> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await rebuildThroughputCounters(client, videoId);
    const { rows } = await client.query<{ bucket: Date; succeeded: number; failed: number }>(
      `SELECT bucket, succeeded, failed FROM frame_throughput WHERE video_id = $1 ORDER BY bucket`,
      [videoId],
    );
    return Object.fromEntries(rows.map((r) => [r.bucket.toISOString(), { succeeded: r.succeeded, failed: r.failed }]));
  } finally {
    await client.query("ROLLBACK");
    client.release();
  }
}

async function expectAgreement(videoId: string, totals: { succeeded: number; failed: number }) {
  const counters = await maintained(videoId);
  expect(counters).toEqual(await fromRows(videoId));
  const sum = (k: "succeeded" | "failed") => Object.values(counters).reduce((n, c) => n + c[k], 0);
  expect({ succeeded: sum("succeeded"), failed: sum("failed") }).toEqual(totals);
}

const claim = (videoId: string, frames: number[]) => claimFrames(pool, videoId, frames, "worker-t", 60);
const outcome = (c: ClaimedFrame) => ({ id: c.id, attemptToken: c.attemptToken });
const failure = (c: ClaimedFrame, retryAt: Date | null): FrameFailure => ({
  ...outcome(c),
  error: { errorClass: "HttpError", message: "boom", httpStatus: 500, retryable: retryAt !== null, attempt: c.attempts },
  fingerprint: "HttpError|500|boom",
  retryAt,
  startedAt: new Date(),
  durationMs: 5,
  workerId: "worker-t",
});

describe("frame_throughput counters", () => {
  it("agree with the rows after completions, failures, retries, deferrals, sweeps and encode anyway", async () => {
    const videoId = await seedEnhancingVideoRows(pool, 20);
    await expectAgreement(videoId, { succeeded: 0, failed: 0 });

    // Completions: 0..4 enhanced; a stale token (lapsed lease) counts nothing.
    const first = await claim(videoId, [0, 1, 2, 3, 4, 5]);
    expect((await completeFrames(pool, videoId, first.slice(0, 5).map(outcome))).completed).toBe(5);
    expect((await completeFrames(pool, videoId, [{ id: first[5]!.id, attemptToken: randomUUID() }])).completed).toBe(0);
    await expectAgreement(videoId, { succeeded: 5, failed: 0 });

    // Failures: 5 retried later, 6 and 7 fail for good; each is an attempt.
    const second = await claim(videoId, [6, 7]);
    await failFrames(pool, videoId, [failure(first[5]!, new Date(Date.now() + 60_000)), ...second.map((c) => failure(c, null))]);
    // A failure settled with a stale token records no attempt.
    await failFrames(pool, videoId, [failure({ ...second[0]!, attemptToken: randomUUID() }, null)]);
    await expectAgreement(videoId, { succeeded: 5, failed: 3 });

    // Deferral (the enhancer was never called): no attempt, no result.
    const third = await claim(videoId, [8, 9]);
    expect(await deferFrames(pool, videoId, third.map(outcome), null)).toEqual([8, 9]);
    await expectAgreement(videoId, { succeeded: 5, failed: 3 });

    // Sweep: a lapsed lease goes back to pending (and a last attempt fails for good) without an attempt row.
    const fourth = await claim(videoId, [10, 11]);
    await pool.query(`UPDATE frame_executions SET lease_expires_at = now() - interval '1 second', attempt_limit = CASE WHEN frame_index = 11 THEN attempts ELSE attempt_limit END WHERE id = ANY($1::bigint[])`, [fourth.map((c) => c.id)]);
    expect((await releaseExpiredLeases(pool)).filter((r) => r.videoId === videoId).map((r) => r.final).sort()).toEqual([false, true]);
    await expectAgreement(videoId, { succeeded: 5, failed: 3 });

    // Operator retry of the failed frames, then they succeed on their next claim.
    expect(await requeueFailedFrames(pool, videoId, { status: "failed" }, 3)).toEqual([6, 7, 11]);
    await expectAgreement(videoId, { succeeded: 5, failed: 3 });
    const retried = await claim(videoId, [6, 7]);
    await completeFrames(pool, videoId, retried.map(outcome));
    await expectAgreement(videoId, { succeeded: 7, failed: 3 });

    // "Encode anyway": the original image is recorded, which is not enhancement work.
    const last = await claim(videoId, [11]);
    await failFrames(pool, videoId, [failure(last[0]!, null)]);
    expect(await completeFramesAsOriginal(pool, videoId, [11])).toBe(1);
    await expectAgreement(videoId, { succeeded: 7, failed: 4 });
    // A completion recorded as "original" by the engine is not counted either.
    const originals = await claim(videoId, [12]);
    await completeFrames(pool, videoId, originals.map(outcome), "original");
    await expectAgreement(videoId, { succeeded: 7, failed: 4 });
  });

  it("go with the video when it is deleted, and old buckets are pruned", async () => {
    const videoId = await seedEnhancingVideoRows(pool, 4);
    const claimed = await claim(videoId, [0, 1, 2]);
    await completeFrames(pool, videoId, claimed.slice(0, 2).map(outcome));
    await failFrames(pool, videoId, [failure(claimed[2]!, null)]);
    await expectAgreement(videoId, { succeeded: 2, failed: 1 });
    await pool.query(
      `INSERT INTO frame_throughput (video_id, bucket, succeeded) VALUES ($1, date_bin('10 seconds', now() - interval '26 hours', 'epoch'), 9), ($1, date_bin('10 seconds', now() - interval '24 hours', 'epoch'), 4)`,
      [videoId],
    );
    expect(await pruneThroughputCounters(pool)).toBeGreaterThanOrEqual(1);
    const { rows } = await pool.query<{ n: number }>(`SELECT sum(succeeded)::int AS n FROM frame_throughput WHERE video_id = $1`, [videoId]);
    expect(rows[0]!.n).toBe(2 + 4);

    expect(await deleteVideoRow(pool, videoId)).toBe(true);
    expect((await pool.query(`SELECT 1 FROM frame_throughput WHERE video_id = $1`, [videoId])).rowCount).toBe(0);
  });

  it("are counted by concurrent settles of one video without losing an update", async () => {
    const videoId = await seedEnhancingVideoRows(pool, 400);
    const claimed = await claim(videoId, Array.from({ length: 400 }, (_, i) => i));
    const batches = Array.from({ length: 20 }, (_, b) => claimed.slice(b * 20, b * 20 + 20));
    await Promise.all(batches.map((batch, b) => (b % 2 === 0 ? completeFrames(pool, videoId, batch.map(outcome)) : failFrames(pool, videoId, batch.map((c) => failure(c, null))))));
    await expectAgreement(videoId, { succeeded: 200, failed: 200 });
  });
});
