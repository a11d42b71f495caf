import type pg from "pg";
import { transaction } from "@/lib/db/client";
import { breakerOutcomeFor, type Permit } from "@/lib/enhance/call-guard";
import type { Enhancer } from "@/lib/enhance/enhancer";
import { classifyError, errorFingerprint, type EnhanceError } from "@/lib/enhance/errors";
import { sendFrameJobs } from "@/lib/queue/boss";
import type { FrameJob } from "@/lib/queue/jobs";
import { storageFrameStore, type FrameStore } from "@/lib/storage/frame-store";
import type { PipelineContext } from "./context";
import { finishEnhanceWhenDone } from "./flow";
import { retryDelayMs } from "./retry-policy";
import { claimFrames, type ClaimedFrame } from "./sql/claim-frames";
import { completeFrames, deferFrames, extendLeases, failFrames, type FrameFailure, type FrameOutcome } from "./sql/settle-frames";

/** Permission to call an external enhancer (fleet-wide rate limit, concurrency cap, breaker): lib/enhance/call-guard.ts. */
export type CallGuard = (frame: { videoId: string; frameIndex: number }) => Promise<Permit>;

export interface EngineOptions {
  ctx: PipelineContext;
  workerId: string;
  enhancer: Enhancer;
  leaseSeconds: number;
  /** Frames of one batch enhanced at the same time. */
  concurrency: number;
  guard?: CallGuard;
  /** Source frames and results; the context's storage when not given. */
  frames?: FrameStore;
  signal?: AbortSignal;
  onSettled?: (counts: { succeeded: number; failed: number; retried: number; deferred: number }) => void;
}

type Outcome =
  | { kind: "done"; frame: ClaimedFrame }
  | { kind: "failed"; frame: ClaimedFrame; error: EnhanceError; startedAt: Date; durationMs: number }
  | { kind: "deferred"; frame: ClaimedFrame; waitMs: number };

/**
 * Processes a batch of enhance jobs: claim (one statement per video), enhance
 * with bounded concurrency while a heartbeat extends the leases, then settle
 * in a few batched, fenced statements and check fan-in. Jobs are only
 * triggers: a frame that is already done, or owned by a live worker, is not
 * claimed and costs nothing.
 */
export async function processFrameJobs(opts: EngineOptions, jobs: FrameJob[]): Promise<void> {
  const byVideo = new Map<string, number[]>();
  for (const j of jobs) {
    const list = byVideo.get(j.videoId);
    if (list) list.push(j.frameIndex);
    else byVideo.set(j.videoId, [j.frameIndex]);
  }
  for (const [videoId, frameIndexes] of byVideo) await processVideoFrames(opts, videoId, frameIndexes);
}

async function processVideoFrames(opts: EngineOptions, videoId: string, frameIndexes: number[]): Promise<void> {
  const { ctx } = opts;
  const claimed = await claimFrames(ctx.pool, videoId, frameIndexes, opts.workerId, opts.leaseSeconds);
  if (claimed.length === 0) return;
  const heartbeat = setInterval(() => {
    extendLeases(ctx.pool, claimed, opts.leaseSeconds).catch(() => {});
  }, (opts.leaseSeconds * 1000) / 3);
  let outcomes: Outcome[];
  try {
    const size = await frameSize(ctx.pool, videoId);
    const store = opts.frames ?? storageFrameStore(ctx.storage);
    outcomes = await mapLimit(claimed, opts.concurrency, (frame) => enhanceFrame(opts, store, videoId, size, frame));
  } finally {
    clearInterval(heartbeat);
  }
  await settle(opts, videoId, outcomes);
}

async function enhanceFrame(opts: EngineOptions, store: FrameStore, videoId: string, size: { width: number; height: number }, frame: ClaimedFrame): Promise<Outcome> {
  // Durable results: the output is written (temp + rename) before the row is
  // marked. Found in place after a crash, it is recorded without a new call.
  // Only a frame claimed before can have one (on a first claim, skip the lookup).
  if (frame.attempts > 1 && (await store.hasResult(videoId, frame.frameIndex))) return { kind: "done", frame };
  if (opts.signal?.aborted) return { kind: "deferred", frame, waitMs: 0 };
  const startedAt = new Date();
  let permit: Awaited<ReturnType<CallGuard>> | undefined;
  try {
    const image = await store.readSource(videoId, frame.frameIndex);
    if (opts.guard) {
      permit = await opts.guard({ videoId, frameIndex: frame.frameIndex });
      if (!permit.ok) return { kind: "deferred", frame, waitMs: permit.waitMs };
    }
    const output = await opts.enhancer.enhance({ videoId, frameIndex: frame.frameIndex, image, ...size, signal: opts.signal });
    if (permit?.ok) await permit.release("success");
    await store.writeResult(videoId, frame.frameIndex, output);
    return { kind: "done", frame };
  } catch (raw) {
    const error = classifyError(raw);
    if (permit?.ok) {
      const { outcome, pauseMs } = breakerOutcomeFor(error);
      await permit.release(outcome, { pauseMs }).catch(() => {});
    }
    // A 429 or our own shutdown is waiting, not failing: no attempt is spent.
    if (error.errorClass === "Aborted") return { kind: "deferred", frame, waitMs: 0 };
    if (error.httpStatus === 429) return { kind: "deferred", frame, waitMs: error.retryAfterMs ?? retryDelayMs(frame.attempts) };
    return { kind: "failed", frame, error, startedAt, durationMs: Date.now() - startedAt.getTime() };
  }
}

async function settle(opts: EngineOptions, videoId: string, outcomes: Outcome[]): Promise<void> {
  const { ctx } = opts;
  const done = outcomes.filter((o) => o.kind === "done").map((o) => o.frame);
  const failed = outcomes.flatMap((o) => (o.kind === "failed" ? [o] : []));
  const deferred = outcomes.flatMap((o) => (o.kind === "deferred" ? [o] : []));
  const now = Date.now();
  const failures: FrameFailure[] = failed.map((o) => {
    const final = !o.error.retryable || o.frame.attempts >= o.frame.attemptLimit;
    const metadata = { ...o.error.toMetadata(), attempt: o.frame.attempts, workerId: opts.workerId, durationMs: o.durationMs, at: new Date().toISOString() };
    const retryMs = Math.max(retryDelayMs(o.frame.attempts), o.error.retryAfterMs ?? 0);
    return {
      ...outcome(o.frame),
      error: metadata,
      fingerprint: errorFingerprint(metadata),
      retryAt: final ? null : new Date(now + retryMs),
      startedAt: o.startedAt,
      durationMs: o.durationMs,
      workerId: opts.workerId,
    };
  });
  const completion = await withDeadlockRetry(() => completeFrames(ctx.pool, videoId, done.map(outcome)));
  const succeeded = completion.completed;
  let retried = 0;
  if (failures.length > 0 || deferred.length > 0) {
    // The retry jobs are sent in the same transaction that schedules the
    // retry, so a scheduled retry always has a job to wake it.
    retried = await withDeadlockRetry(() =>
      transaction(ctx.pool, async (tx) => {
        const settled = await failFrames(tx, videoId, failures);
        const retryAtByFrame = new Map(failed.map((o, i) => [o.frame.frameIndex, failures[i]?.retryAt ?? null]));
        const retryJobs = settled
          .filter((s) => !s.final)
          .map((s) => ({ videoId, frameIndex: s.frameIndex, startAfter: retryAtByFrame.get(s.frameIndex) ?? null }));
        const deferredJobs = await deferGroups(tx, videoId, deferred, now);
        await sendFrameJobs(ctx.boss, [...retryJobs, ...deferredJobs], { client: tx });
        return retryJobs.length;
      }),
    );
  }
  opts.onSettled?.({ succeeded, failed: failures.length - retried, retried, deferred: deferred.length });
  // Fan-in: only when this batch may have been the last. The completion
  // statement returns the counters it left, so the common case costs nothing.
  const mayBeLast = failures.length > 0 || deferred.length > 0 || done.length === 0 || completion.leftOpen === 0;
  if (mayBeLast && (await enhanceLooksDone(ctx.pool, videoId))) await finishEnhanceWhenDone(ctx, videoId);
}

async function deferGroups(tx: pg.PoolClient, videoId: string, deferred: { frame: ClaimedFrame; waitMs: number }[], now: number) {
  const jobs: (FrameJob & { startAfter: Date | null })[] = [];
  const byWait = new Map<number, ClaimedFrame[]>();
  for (const d of deferred) byWait.set(d.waitMs, [...(byWait.get(d.waitMs) ?? []), d.frame]);
  for (const [waitMs, frames] of byWait) {
    const retryAt = waitMs > 0 ? new Date(now + waitMs) : null;
    const indexes = await deferFrames(tx, videoId, frames.map(outcome), retryAt);
    jobs.push(...indexes.map((frameIndex) => ({ videoId, frameIndex, startAfter: retryAt })));
  }
  return jobs;
}

async function enhanceLooksDone(db: pg.Pool, videoId: string): Promise<boolean> {
  const { rows } = await db.query<{ done: boolean }>(
    `SELECT (pending = 0 AND running = 0 AND status = 'running') AS done FROM video_stages WHERE video_id = $1 AND name = 'enhance'`,
    [videoId],
  );
  return rows[0]?.done ?? false;
}

// A video's frame size never changes: remembered for the next batches.
const sizes = new Map<string, { width: number; height: number }>();

async function frameSize(db: pg.Pool, videoId: string): Promise<{ width: number; height: number }> {
  const known = sizes.get(videoId);
  if (known) return known;
  const { rows } = await db.query<{ width: number; height: number }>(`SELECT width, height FROM videos WHERE id = $1`, [videoId]);
  const size = { width: rows[0]?.width ?? 0, height: rows[0]?.height ?? 0 };
  if (sizes.size > 1000) sizes.clear();
  sizes.set(videoId, size);
  return size;
}

const outcome = (f: ClaimedFrame): FrameOutcome => ({ id: f.id, attemptToken: f.attemptToken });

// Two settle statements touching overlapping frame rows in different orders
// (a completion and the sweeper) can deadlock; PostgreSQL aborts one, and
// running it again is safe because every settle is fenced.
async function withDeadlockRetry<T>(fn: () => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (i >= attempts || (code !== "40P01" && code !== "40001")) throw error;
    }
  }
}

export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const run = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, run));
  return results;
}
