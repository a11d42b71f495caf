import { afterAll, describe, expect, it } from "vitest";
import type { Job } from "pg-boss";
import { EnhanceError } from "@/lib/enhance/errors";
import { enhanceHandler } from "@/worker/handlers/enhance";
import type pg from "pg";
import { createCallGuard } from "@/lib/enhance/call-guard";
import { createEnhancer } from "@/lib/enhance/enhancer";
import { startFakeEnhancer } from "@/lib/enhance/fake-service";
import { countingEnhancer, permanent, transient } from "@/test/support/enhancers";
import { createTestPipeline } from "@/test/support/pipeline";
import { enhanceJobs, jobCount, seedEnhancingVideo, stageRow, startEnhance, storeResultsAndDie } from "@/test/support/seed";
import { existsSync } from "node:fs";
import { storageFrameStore, type FrameStore } from "@/lib/storage/frame-store";
import { videoPaths } from "@/lib/storage/paths";
import { cancelVideo, deleteVideo, encodeAnyway, retryFrames } from "./commands";
import { finishEnhanceWhenDone } from "./flow";
import { EnhancedFrames } from "./enhanced-frames";
import { processFrameJobs, type EngineOptions } from "./frame-engine";
import { getVideoCosts } from "./queries/costs";
import { claimFrames } from "./sql/claim-frames";
import { completeFrames } from "./sql/settle-frames";

describe("the frame engine", async () => {
  const { ctx } = await createTestPipeline();
  const engine = (enhancer: EngineOptions["enhancer"], workerId = "w1"): EngineOptions => ({ ctx, workerId, enhancer, leaseSeconds: 30, concurrency: 4 });
  const jobs = (videoId: string, indexes: number[]) => indexes.map((frameIndex) => ({ videoId, frameIndex }));
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);

  it("enhances every frame once, finishes the stage and starts encode and thumbnails exactly once", async () => {
    const id = await seedEnhancingVideo(ctx, { frames: 12 });
    const counter = countingEnhancer();
    await processFrameJobs(engine(counter.enhancer), jobs(id, range(12)));
    expect(counter.total()).toBe(12);
    expect(await stageRow(ctx, id, "enhance")).toMatchObject({ status: "succeeded", total: 12, succeeded: 12, pending: 0, running: 0, failed: 0 });
    expect(await jobCount(ctx, "encode", id)).toBe(1);
    expect(await jobCount(ctx, "thumbnails", id)).toBe(1);
  });

  it("settles a long run in chunks: progress moves, and only the frames being worked on are claimed", async () => {
    const id = await seedEnhancingVideo(ctx, { frames: 40 });
    // concurrency 2: chunks of 8 frames. Each call sees the counters of the chunks before it.
    const seen: { succeeded: number; running: number }[] = [];
    const enhancer: EngineOptions["enhancer"] = {
      name: "watching",
      enhance: async ({ image }) => {
        seen.push(await stageRow(ctx, id, "enhance"));
        return image;
      },
    };
    await processFrameJobs({ ...engine(enhancer), concurrency: 2 }, jobs(id, range(40)));
    expect(await stageRow(ctx, id, "enhance")).toMatchObject({ status: "succeeded", succeeded: 40 });
    expect(Math.max(...seen.map((s) => s.running))).toBe(8);
    expect([...new Set(seen.map((s) => s.succeeded))]).toEqual([0, 8, 16, 24, 32]);
  });

  it("calls the enhancer once when the same frame job is delivered twice, even at the same time", async () => {
    const id = await seedEnhancingVideo(ctx, { frames: 4 });
    const counter = countingEnhancer({ delayMs: 50 });
    await Promise.all([
      processFrameJobs(engine(counter.enhancer, "a"), jobs(id, [0, 1, 2, 3])),
      processFrameJobs(engine(counter.enhancer, "b"), jobs(id, [0, 1, 2, 3])),
    ]);
    await processFrameJobs(engine(counter.enhancer, "c"), jobs(id, [0, 1, 2, 3]));
    expect([...counter.calls.values()]).toEqual([1, 1, 1, 1]);
    expect(await jobCount(ctx, "encode", id)).toBe(1);
  });

  it("lets a worker whose lease lapsed change nothing (fencing by attempt token)", async () => {
    const id = await seedEnhancingVideo(ctx, { frames: 1, files: false });
    const [stale] = await claimFrames(ctx.pool, id, [0], "stale", 30);
    await ctx.pool.query(`UPDATE frame_executions SET lease_expires_at = now() - interval '1 second' WHERE video_id = $1`, [id]);
    const [fresh] = await claimFrames(ctx.pool, id, [0], "fresh", 30);
    expect(fresh!.attemptToken).not.toBe(stale!.attemptToken);
    expect((await completeFrames(ctx.pool, id, [stale!])).completed).toBe(0);
    expect(await stageRow(ctx, id, "enhance")).toMatchObject({ running: 1, succeeded: 0 });
    expect((await completeFrames(ctx.pool, id, [fresh!])).completed).toBe(1);
    expect(await stageRow(ctx, id, "enhance")).toMatchObject({ running: 0, succeeded: 1 });
  });

  it("starts the next stages exactly once when the last frames finish at the same instant (200 races)", async () => {
    for (let round = 0; round < 200; round++) {
      const id = await seedEnhancingVideo(ctx, { frames: 2, files: false });
      const [a] = await claimFrames(ctx.pool, id, [0], "a", 30);
      const [b] = await claimFrames(ctx.pool, id, [1], "b", 30);
      // Two workers settle their last frame and run fan-in concurrently.
      await Promise.all([
        completeFrames(ctx.pool, id, [a!]).then(() => finishEnhanceWhenDone(ctx, id)),
        completeFrames(ctx.pool, id, [b!]).then(() => finishEnhanceWhenDone(ctx, id)),
      ]);
      expect(await jobCount(ctx, "encode", id), `round ${round}`).toBe(1);
      expect(await jobCount(ctx, "thumbnails", id), `round ${round}`).toBe(1);
    }
  }, 120_000);

  it("fails a poison frame after one attempt with its error, finishes the others, and 'encode anyway' completes", async () => {
    const id = await seedEnhancingVideo(ctx, { frames: 6 });
    const counter = countingEnhancer({ fail: (i) => (i === 3 ? permanent(422) : null) });
    await processFrameJobs(engine(counter.enhancer), jobs(id, range(6)));
    expect(counter.calls.get(`${id}:3`)).toBe(1);
    const { rows } = await ctx.pool.query(`SELECT status, attempts, last_error, error_fingerprint FROM frame_executions WHERE video_id = $1 AND frame_index = 3`, [id]);
    expect(rows[0]).toMatchObject({ status: "failed", attempts: 1 });
    expect(rows[0].last_error).toMatchObject({ errorClass: "HttpError", httpStatus: 422, retryable: false, attempt: 1, workerId: "w1" });
    expect(rows[0].last_error.bodyExcerpt).toContain("bad frame");
    const history = await ctx.pool.query(`SELECT attempt, error FROM frame_attempts WHERE video_id = $1 AND frame_index = 3`, [id]);
    expect(history.rows).toHaveLength(1);
    expect(await stageRow(ctx, id, "enhance")).toMatchObject({ status: "failed", succeeded: 5, failed: 1 });
    expect(await jobCount(ctx, "encode", id)).toBe(0);
    const { rows: video } = await ctx.pool.query(`SELECT status, error FROM videos WHERE id = $1`, [id]);
    expect(video[0].status).toBe("failed");

    expect(await encodeAnyway(ctx, id)).toEqual({ substituted: 1 });
    const { rows: substituted } = await ctx.pool.query(`SELECT status, output_kind FROM frame_executions WHERE video_id = $1 AND frame_index = 3`, [id]);
    expect(substituted[0]).toEqual({ status: "succeeded", output_kind: "original" });
    expect(await stageRow(ctx, id, "enhance")).toMatchObject({ status: "succeeded", succeeded: 6, failed: 0 });
    expect(await jobCount(ctx, "encode", id)).toBe(1);
  });

  it("retries a transient failure later without spending a permanent failure, up to the attempt limit", async () => {
    const id = await seedEnhancingVideo(ctx, { frames: 2 });
    const counter = countingEnhancer({ fail: (i) => (i === 1 ? transient() : null) });
    await processFrameJobs(engine(counter.enhancer), jobs(id, [0, 1]));
    const { rows } = await ctx.pool.query(`SELECT status, attempts, retry_at FROM frame_executions WHERE video_id = $1 AND frame_index = 1`, [id]);
    expect(rows[0].status).toBe("pending");
    expect(rows[0].retry_at.getTime()).toBeGreaterThan(Date.now());
    expect(await stageRow(ctx, id, "enhance")).toMatchObject({ status: "running", pending: 1, succeeded: 1 });
    // The retry job exists and waits for retry_at.
    const retryJobs = (await enhanceJobs(ctx, id)).filter((j) => j.frameIndexes.includes(1));
    expect(retryJobs).toHaveLength(1);
    expect(retryJobs[0]!.startAfter.getTime()).toBe(rows[0].retry_at.getTime());
    // A job delivered before retry_at does not reach the enhancer.
    await processFrameJobs(engine(counter.enhancer), jobs(id, [1]));
    expect(counter.calls.get(`${id}:1`)).toBe(1);
    // Past retry_at, attempts continue until the limit (3 in tests), then the frame fails for good.
    for (let attempt = 2; attempt <= 3; attempt++) {
      await ctx.pool.query(`UPDATE frame_executions SET retry_at = now() WHERE video_id = $1`, [id]);
      await processFrameJobs(engine(counter.enhancer), jobs(id, [1]));
    }
    // Seen once in CI (2 calls, not reproduced in 15 runs of the file under load nor 150 rounds of this test): the attempts say why.
    const history = await ctx.pool.query(`SELECT attempt, error->>'errorClass' AS class, error->>'message' AS message FROM frame_attempts WHERE video_id = $1 AND frame_index = 1 ORDER BY attempt`, [id]);
    expect(counter.calls.get(`${id}:1`), JSON.stringify(history.rows)).toBe(3);
    const { rows: final } = await ctx.pool.query(`SELECT status, attempts FROM frame_executions WHERE video_id = $1 AND frame_index = 1`, [id]);
    expect(final[0]).toEqual({ status: "failed", attempts: 3 });
    expect(await stageRow(ctx, id, "enhance")).toMatchObject({ status: "failed", failed: 1, succeeded: 1 });
  });

  it("re-queues only the failed frames asked for, never re-enhances done ones, and re-runs the later stages", async () => {
    const id = await seedEnhancingVideo(ctx, { frames: 5 });
    let healthy = false;
    const counter = countingEnhancer({ fail: (i) => (!healthy && (i === 1 || i === 3) ? permanent(400) : null) });
    await processFrameJobs(engine(counter.enhancer), jobs(id, range(5)));
    expect(await stageRow(ctx, id, "enhance")).toMatchObject({ status: "failed", failed: 2 });

    healthy = true;
    expect(await retryFrames(ctx, id, { frames: [3] })).toEqual({ requeued: 1 });
    expect(await stageRow(ctx, id, "enhance")).toMatchObject({ status: "running", pending: 1, failed: 1 });
    await expect(retryFrames(ctx, id, { frames: [0] })).rejects.toThrow(/only failed frames can be retried/);
    await processFrameJobs(engine(counter.enhancer), jobs(id, range(5)));
    expect(counter.calls.get(`${id}:3`)).toBe(2);
    expect(counter.calls.get(`${id}:0`)).toBe(1);
    expect(await stageRow(ctx, id, "enhance")).toMatchObject({ status: "failed", failed: 1, succeeded: 4 });

    const fingerprint = (await ctx.pool.query(`SELECT error_fingerprint FROM frame_executions WHERE video_id = $1 AND frame_index = 1`, [id])).rows[0].error_fingerprint;
    expect(await retryFrames(ctx, id, { fingerprint })).toEqual({ requeued: 1 });
    await processFrameJobs(engine(counter.enhancer), jobs(id, [1]));
    expect(await stageRow(ctx, id, "enhance")).toMatchObject({ status: "succeeded", succeeded: 5, failed: 0 });
    expect(counter.total()).toBe(7);
    expect(await jobCount(ctx, "encode", id)).toBe(1);
  });

  it("cancel stops work: queued frames are not claimed, finished frames stay finished, nothing stays running", async () => {
    const id = await seedEnhancingVideo(ctx, { frames: 6 });
    const counter = countingEnhancer();
    await processFrameJobs(engine(counter.enhancer), jobs(id, [0, 1]));
    const [inFlight] = await claimFrames(ctx.pool, id, [2], "w2", 30);
    expect(await cancelVideo(ctx, id)).toEqual({ canceled: true });
    await processFrameJobs(engine(counter.enhancer), jobs(id, [3, 4, 5]));
    expect(counter.total()).toBe(2);
    // The frame that was in flight finishes and is recorded.
    expect((await completeFrames(ctx.pool, id, [inFlight!])).completed).toBe(1);
    const { rows } = await ctx.pool.query(`SELECT status, count(*)::int AS n FROM frame_executions WHERE video_id = $1 GROUP BY status ORDER BY status`, [id]);
    expect(rows).toEqual([{ status: "pending", n: 3 }, { status: "succeeded", n: 3 }]);
    expect(await stageRow(ctx, id, "enhance")).toMatchObject({ status: "canceled" });
    expect((await ctx.pool.query(`SELECT status FROM videos WHERE id = $1`, [id])).rows[0].status).toBe("canceled");
    await expect(retryFrames(ctx, id, { status: "failed" })).rejects.toThrow(/canceled/);
  });

  it("delete removes the video's rows, queued jobs and files", async () => {
    const id = await seedEnhancingVideo(ctx, { frames: 3 });
    await startEnhance(ctx, id);
    expect(await enhanceJobs(ctx, id)).toMatchObject([{ frameIndexes: [0, 1, 2] }]);
    await deleteVideo(ctx, id);
    for (const table of ["videos", "video_stages", "frame_executions"]) {
      const column = table === "videos" ? "id" : "video_id";
      expect((await ctx.pool.query(`SELECT count(*)::int AS n FROM ${table} WHERE ${column} = $1`, [id])).rows[0].n, table).toBe(0);
    }
    expect(await jobCount(ctx, "enhance", id)).toBe(0);
    expect(existsSync(videoPaths(ctx.dataDir, id).dir)).toBe(false);
    await expect(deleteVideo(ctx, id)).rejects.toThrow(/No video with id/);
  });

  it("records a frame whose output was written before a crash without calling the enhancer again", async () => {
    const id = await seedEnhancingVideo(ctx, { frames: 2 });
    // A worker claimed frame 1, stored its result, and died before recording it.
    await storeResultsAndDie(ctx.pool, ctx.storage, id, [1]);
    const counter = countingEnhancer();
    await processFrameJobs(engine(counter.enhancer), jobs(id, [0, 1]));
    expect(counter.calls.get(`${id}:1`)).toBeUndefined();
    expect(counter.calls.get(`${id}:0`)).toBe(1);
    expect(await stageRow(ctx, id, "enhance")).toMatchObject({ status: "succeeded", succeeded: 2 });
  });

  it("keeps a paid result when the database fails at the permit's release: the service is called once", async () => {
    const fake = await startFakeEnhancer();
    afterAll(() => fake.close());
    const id = await seedEnhancingVideo(ctx, { frames: 3 });
    // The limiter's database answers the permit but fails the release, as a
    // blip at that instant would.
    let failedReleases = 0;
    const flaky = new Proxy(ctx.pool, {
      get(target, prop, receiver) {
        if (prop !== "query") return Reflect.get(target, prop, receiver);
        return (text: unknown, ...rest: unknown[]) => {
          if (typeof text === "string" && text.includes("DELETE FROM enhancer_permits WHERE id")) {
            failedReleases++;
            return Promise.reject(Object.assign(new Error("Connection terminated unexpectedly"), { code: "57P01" }));
          }
          return (target.query as (...a: unknown[]) => unknown).call(target, text, ...rest);
        };
      },
    }) as pg.Pool;
    const limits = { ratePerSec: 1000, burst: 10, concurrency: 10, permitTtlMs: 5000, breaker: { failureThreshold: 5, openMs: 1000 } };
    const guarded: EngineOptions = { ...engine(createEnhancer({ kind: "http", url: fake.url, timeoutMs: 5000 })), guard: createCallGuard(flaky, { workerId: "w1", limits }) };
    await processFrameJobs(guarded, jobs(id, [0, 1, 2]));
    // Jobs redelivered later find nothing to do.
    await ctx.pool.query(`UPDATE frame_executions SET retry_at = now() WHERE video_id = $1`, [id]);
    await processFrameJobs(guarded, jobs(id, [0, 1, 2]));
    expect(failedReleases).toBe(3);
    expect(Object.entries(fake.stats().perKey).filter(([k]) => k.startsWith(id)).map(([, n]) => n)).toEqual([1, 1, 1]);
    expect(await stageRow(ctx, id, "enhance")).toMatchObject({ status: "succeeded", succeeded: 3, failed: 0 });
    const { rows } = await ctx.pool.query(`SELECT count(*)::int AS n FROM frame_attempts WHERE video_id = $1`, [id]);
    expect(rows[0].n).toBe(0);
  });

  it("'encode anyway' refuses, and changes nothing, when the enhance stage cannot be finished", async () => {
    const id = await seedEnhancingVideo(ctx, { frames: 3 });
    await processFrameJobs(engine(countingEnhancer({ fail: (i) => (i === 1 ? permanent(422) : null) }).enhancer), jobs(id, range(3)));
    expect(await stageRow(ctx, id, "enhance")).toMatchObject({ status: "failed", failed: 1 });
    // A counter that says a frame is still pending (a retry that raced the operator's click).
    await ctx.pool.query(`UPDATE video_stages SET pending = 1 WHERE video_id = $1 AND name = 'enhance'`, [id]);
    await expect(encodeAnyway(ctx, id)).rejects.toThrow(/could not finish the enhance stage/);
    expect(await stageRow(ctx, id, "enhance")).toMatchObject({ status: "failed", failed: 1 });
    expect((await ctx.pool.query(`SELECT status FROM frame_executions WHERE video_id = $1 AND frame_index = 1`, [id])).rows[0].status).toBe("failed");
    expect(await jobCount(ctx, "encode", id)).toBe(0);
  });

  it("stores a claim's results as one pack before any row says succeeded, and each row names it", async () => {
    const id = await seedEnhancingVideo(ctx, { frames: 4 });
    const local = storageFrameStore(ctx.storage);
    const stored: { pack: string; frames: number[]; statuses: string[] }[] = [];
    const store: FrameStore = {
      ...local,
      writeResults: async (videoId, pack, frames) => {
        await local.writeResults(videoId, pack, frames);
        const { rows } = await ctx.pool.query(`SELECT status FROM frame_executions WHERE video_id = $1 ORDER BY frame_index`, [videoId]);
        stored.push({ pack, frames: frames.map((f) => f.index).sort(), statuses: rows.map((r) => r.status) });
      },
    };
    await processFrameJobs({ ...engine(countingEnhancer().enhancer), frames: store }, jobs(id, range(4)));
    expect(stored).toEqual([{ pack: expect.stringMatching(/^000000-[0-9a-f]{12}$/), frames: [0, 1, 2, 3], statuses: ["running", "running", "running", "running"] }]);
    expect(await stageRow(ctx, id, "enhance")).toMatchObject({ status: "succeeded", succeeded: 4 });
    const { rows } = await ctx.pool.query(`SELECT DISTINCT result_pack FROM frame_executions WHERE video_id = $1`, [id]);
    expect(rows).toEqual([{ result_pack: stored[0]!.pack }]);
    const enhanced = new EnhancedFrames(ctx.pool, ctx.storage, id);
    for (const i of range(4)) expect((await enhanced.read(i))?.subarray(0, 2), `frame ${i}`).toEqual(Buffer.from([0xff, 0xd8]));
  });

  it("fails the frames of a pack that cannot be stored (a full disk) for a retry, and records none", async () => {
    const id = await seedEnhancingVideo(ctx, { frames: 3 });
    const full: FrameStore = {
      ...storageFrameStore(ctx.storage),
      writeResults: async () => {
        throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
      },
    };
    await processFrameJobs({ ...engine(countingEnhancer().enhancer), frames: full }, jobs(id, range(3)));
    const { rows } = await ctx.pool.query(`SELECT status, attempts, last_error->>'message' AS message FROM frame_executions WHERE video_id = $1 ORDER BY frame_index`, [id]);
    expect(rows).toEqual(range(3).map(() => ({ status: "pending", attempts: 1, message: expect.stringMatching(/ENOSPC/) })));
    expect(await stageRow(ctx, id, "enhance")).toMatchObject({ status: "running", succeeded: 0, pending: 3 });
  });

  it("claims only the frames of a run that are not done yet, and counts the others as skipped deliveries", async () => {
    const id = await seedEnhancingVideo(ctx, { frames: 8 });
    const counter = countingEnhancer();
    await processFrameJobs(engine(counter.enhancer), jobs(id, [0, 1, 2, 3]));
    // A run of all eight frames (a re-sent or duplicate job): four are done.
    await enhanceHandler(engine(counter.enhancer))([{ id: "run", name: "enhance", data: { videoId: id, frameIndexes: range(8) } } as Job<unknown>]);
    expect([...counter.calls.values()]).toEqual(Array(8).fill(1));
    expect(await getVideoCosts(ctx.pool, id, undefined)).toMatchObject({ calls: 8, skippedDelivered: 4 });
    const { rows } = await ctx.pool.query(`SELECT frame_index, attempts FROM frame_executions WHERE video_id = $1 ORDER BY frame_index`, [id]);
    expect(rows.map((r) => r.attempts)).toEqual(Array(8).fill(1));
    expect(await stageRow(ctx, id, "enhance")).toMatchObject({ status: "succeeded", succeeded: 8 });
  });

  it("gives every retried and every deferred frame of a run a job, due when the frame is", async () => {
    const id = await seedEnhancingVideo(ctx, { frames: 6 });
    // Frames 1 and 4 fail with a 503 (retried after a backoff), frames 2 and 5 get a 429 with Retry-After (deferred).
    const tooMany = () => new EnhanceError({ errorClass: "HttpError", message: "too many requests (HTTP 429)", httpStatus: 429, retryable: true, retryAfterMs: 30_000 });
    const counter = countingEnhancer({ fail: (i) => (i === 1 || i === 4 ? transient() : i === 2 || i === 5 ? tooMany() : null) });
    await processFrameJobs(engine(counter.enhancer), jobs(id, range(6)));
    const { rows } = await ctx.pool.query<{ frame_index: number; attempts: number; retry_at: Date }>(
      `SELECT frame_index, attempts, retry_at FROM frame_executions WHERE video_id = $1 AND status = 'pending' ORDER BY frame_index`,
      [id],
    );
    expect(rows.map((r) => [r.frame_index, r.attempts])).toEqual([[1, 1], [2, 0], [4, 1], [5, 0]]);
    const queued = await enhanceJobs(ctx, id);
    // Each pending frame is in exactly one job, and that job starts when the frame becomes claimable.
    expect(queued.flatMap((j) => j.frameIndexes).sort()).toEqual([1, 2, 4, 5]);
    for (const r of rows) {
      const job = queued.find((j) => j.frameIndexes.includes(r.frame_index))!;
      expect(job.startAfter.getTime(), `frame ${r.frame_index}`).toBe(r.retry_at.getTime());
    }
    // The two deferred frames wait the same time: one run.
    expect(queued.filter((j) => j.frameIndexes.includes(2) && j.frameIndexes.includes(5))).toHaveLength(1);
  });
});
