import { describe, expect, it } from "vitest";
import { renderMetrics } from "@/lib/metrics/prometheus";
import { readMetricsSnapshot } from "@/lib/metrics/snapshot";
import { countingEnhancer, transient } from "@/test/support/enhancers";
import { createTestPipeline } from "@/test/support/pipeline";
import { seedEnhancingVideo, storeResultsAndDie, stageRow } from "@/test/support/seed";
import { waitFor } from "@/test/support/wait";
import { deleteVideo } from "./commands";
import { processFrameJobs, type EngineOptions } from "./frame-engine";
import { getCallCostTotals, getVideoCosts } from "./queries/costs";

// Cost and calls (issue 12): the counters the frame engine keeps, through the
// real engine and PostgreSQL, with duplicate deliveries, a retry, a lapsed
// lease and a durable result found after a crash.
describe("enhancer call counters", async () => {
  const { ctx } = await createTestPipeline();
  const engine = (enhancer: EngineOptions["enhancer"], workerId = "w1"): EngineOptions => ({ ctx, workerId, enhancer, leaseSeconds: 30, concurrency: 4 });
  const jobs = (videoId: string, indexes: number[]) => indexes.map((frameIndex) => ({ videoId, frameIndex }));
  const limits = { ratePerSec: 50, burst: 50, concurrency: 16, permitTtlMs: 45_000, breaker: { failureThreshold: 5, openMs: 15_000 } };

  it("counts calls made, succeeded and repeated, and the calls duplicate deliveries and durable results saved", async () => {
    const id = await seedEnhancingVideo(ctx, { frames: 4 });
    // Frame 2 fails once with a 503 and succeeds on its retry.
    const counter = countingEnhancer({ fail: (i, call) => (i === 2 && call === 1 ? transient() : null) });
    // Frame 3: a worker claimed it, wrote its result and died before recording it.
    await storeResultsAndDie(ctx.pool, ctx.storage, id, [3]);

    await processFrameJobs(engine(counter.enhancer), jobs(id, [0, 1, 2, 3]));
    expect(await getVideoCosts(ctx.pool, id, undefined)).toMatchObject({ calls: 3, succeeded: 2, repeated: 0, skippedDelivered: 0, skippedRecovered: 1 });

    // Duplicate deliveries of finished frames 0, 1 and 3, at the same time on two workers: no call, three saved each.
    await Promise.all([processFrameJobs(engine(counter.enhancer, "a"), jobs(id, [0, 1, 3])), processFrameJobs(engine(counter.enhancer, "b"), jobs(id, [0, 1, 3]))]);
    // Frame 2 delivered before its retry is due: not claimed, not a saved call (it still needs one).
    await processFrameJobs(engine(counter.enhancer), jobs(id, [2]));
    expect(await getVideoCosts(ctx.pool, id, undefined)).toMatchObject({ calls: 3, skippedDelivered: 6 });

    // The retry: a second call for frame 2, so a repeated one.
    await ctx.pool.query(`UPDATE frame_executions SET retry_at = now() WHERE video_id = $1 AND frame_index = 2`, [id]);
    await processFrameJobs(engine(counter.enhancer), jobs(id, [2]));
    expect(await stageRow(ctx, id, "enhance")).toMatchObject({ status: "succeeded", succeeded: 4 });
    expect(counter.total()).toBe(4);

    expect(await getVideoCosts(ctx.pool, id, 0.002)).toEqual({
      calls: 4,
      succeeded: 3,
      repeated: 1,
      skippedDelivered: 6,
      skippedRecovered: 1,
      saved: 7,
      costPerCall: 0.002,
      spent: 0.008,
      savedMoney: 0.014,
    });
    expect(await getVideoCosts(ctx.pool, id, undefined)).toMatchObject({ costPerCall: null, spent: null, savedMoney: null });
  });

  it("counts the call of a worker whose lease lapsed, and the new owner's call as repeated", async () => {
    const id = await seedEnhancingVideo(ctx, { frames: 1 });
    // The slow worker is still calling when its lease lapses and another worker re-claims the frame.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let slowCalled = false;
    const slow = countingEnhancer();
    const slowEnhancer: EngineOptions["enhancer"] = {
      name: "slow",
      enhance: async (input) => {
        slowCalled = true;
        await gate;
        return slow.enhancer.enhance(input);
      },
    };
    // A long lease keeps its heartbeat (a third of the lease) from renewing the lease this test lets lapse.
    const stale = processFrameJobs({ ...engine(slowEnhancer, "slow"), leaseSeconds: 600 }, jobs(id, [0]));
    await waitFor(async () => slowCalled || undefined, { what: "the slow worker's call" });
    await ctx.pool.query(`UPDATE frame_executions SET lease_expires_at = now() - interval '1 second' WHERE video_id = $1`, [id]);
    await processFrameJobs(engine(countingEnhancer().enhancer, "fresh"), jobs(id, [0]));
    release();
    await stale;
    // Two calls were paid for; the stale one's settle changed nothing (fenced), its call still counts.
    expect(await getVideoCosts(ctx.pool, id, undefined)).toMatchObject({ calls: 2, succeeded: 2, repeated: 1, skippedDelivered: 0, skippedRecovered: 0 });
    expect(await stageRow(ctx, id, "enhance")).toMatchObject({ succeeded: 1 });
  });

  it("keeps a deleted video's calls in the totals and reports them in /api/metrics", async () => {
    const before = await getCallCostTotals(ctx.pool, 0.5);
    const id = await seedEnhancingVideo(ctx, { frames: 3 });
    await processFrameJobs(engine(countingEnhancer().enhancer), jobs(id, [0, 1, 2, 0]));
    await deleteVideo(ctx, id);
    const after = await getCallCostTotals(ctx.pool, 0.5);
    expect(after.calls - before.calls).toBe(3);
    expect(after.spent! - before.spent!).toBeCloseTo(1.5);

    const text = (await renderMetrics(await readMetricsSnapshot(ctx.pool, limits, 0.5), { processMetrics: false })).body;
    expect(text).toContain("# TYPE framewise_enhancer_calls_total counter");
    expect(text).toContain(`framewise_enhancer_calls_total ${after.calls}`);
    expect(text).toContain(`framewise_enhancer_calls_succeeded_total ${after.succeeded}`);
    expect(text).toContain(`framewise_enhancer_calls_repeated_total ${after.repeated}`);
    expect(text).toContain(`framewise_enhancer_calls_saved_total{reason="duplicate_delivery"} ${after.skippedDelivered}`);
    expect(text).toContain(`framewise_enhancer_calls_saved_total{reason="durable_result"} ${after.skippedRecovered}`);
    expect(text).toContain(`framewise_enhancer_cost_spent_total ${after.spent}`);
    expect(text).toContain(`framewise_enhancer_cost_saved_total ${after.savedMoney}`);
    // Without a price, no money series at all (a 0 would claim the calls were free).
    const unpriced = (await renderMetrics(await readMetricsSnapshot(ctx.pool, limits), { processMetrics: false })).body;
    expect(unpriced).toContain("framewise_enhancer_calls_total");
    expect(unpriced).not.toContain("framewise_enhancer_cost_spent_total");
  });
});
