import "server-only";
import type pg from "pg";
import { transaction } from "@/lib/db/client";
import { guardedCall, type CallGuard } from "@/lib/enhance/call-guard";
import type { Enhancer } from "@/lib/enhance/enhancer";
import { classifyError, errorFingerprint, type EnhanceError } from "@/lib/enhance/errors";
import { sendFrameJobs } from "@/lib/queue/boss";
import type { FrameJob } from "@/lib/queue/jobs";
import { newResultPackName } from "@/lib/storage/frame-packs";
import { storageFrameStore, type FrameStore } from "@/lib/storage/frame-store";
import type { PipelineContext } from "./context";
import type { VideoStops } from "./video-stops";
import { finishEnhanceWhenDone } from "./flow";
import { decide, RETRY_BASE_MS, type Failure } from "./outcome";
import { type BatchCalls, countSkippedDeliveries, recordCalls } from "./sql/call-counters";
import { claimFrames, type ClaimedFrame } from "./sql/claim-frames";
import { enhanceLooksDone } from "./sql/stage-rows";
import { readVideoMedia } from "./sql/video-rows";
import { completeFrames, deferFrames, extendLeases, failFrames, type FrameFailure, type FrameOutcome } from "./sql/settle-frames";

export type { CallGuard };

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
  /** Aborts a video's calls in flight when an operator cancels or deletes it (any worker's). */
  stops?: VideoStops;
  onSettled?: (counts: { succeeded: number; failed: number; retried: number; deferred: number }) => void;
}

type Outcome =
  // pack: where the result is stored; image: a result of this claim, still to be stored (in this claim's pack).
  | { kind: "done"; frame: ClaimedFrame; pack: string; image?: Buffer }
  | { kind: "failed"; frame: ClaimedFrame; error: EnhanceError; startedAt: Date; durationMs: number }
  | { kind: "deferred"; frame: ClaimedFrame; waitMs: number };

/**
 * A delivery (up to two runs of 100 frames) is claimed, enhanced and settled
 * in chunks of `concurrency` x this many frames, one after the other: with a
 * slow service (500 ms a call, 4 in flight) a whole run would take 12 s
 * between its claim and its one settle, the progress bars would jump by 100
 * frames at a time, and frames not yet started would sit claimed and counted
 * as running. Per chunk, the cost is the claim and settle statements the
 * frames paid per fetch before runs (a fetch then was concurrency x 4 frames).
 */
const FRAMES_PER_SLOT = 4;

/**
 * Processes a batch of enhance jobs (the frames of their runs), per video and
 * chunk: claim (one statement), enhance with bounded concurrency while a heartbeat
 * extends the leases, then settle in a few batched, fenced statements and
 * check fan-in. Jobs are only triggers: a frame that is already done, or
 * owned by a live worker, is not claimed and costs nothing.
 */
export async function processFrameJobs(opts: EngineOptions, jobs: FrameJob[]): Promise<void> {
  // A frame delivered twice in one batch (two runs, an old one-frame job) is claimed once.
  const byVideo = new Map<string, Set<number>>();
  for (const j of jobs) {
    const set = byVideo.get(j.videoId);
    if (set) set.add(j.frameIndex);
    else byVideo.set(j.videoId, new Set([j.frameIndex]));
  }
  const chunk = Math.max(1, opts.concurrency * FRAMES_PER_SLOT);
  for (const [videoId, set] of byVideo) {
    const frameIndexes = [...set];
    for (let i = 0; i < frameIndexes.length; i += chunk) await processVideoFrames(opts, videoId, frameIndexes.slice(i, i + chunk));
  }
}

async function processVideoFrames(opts: EngineOptions, videoId: string, frameIndexes: number[]): Promise<void> {
  const { ctx } = opts;
  // The results of this chunk are stored together, as one pack (one PUT), named before the claim.
  const pack = newResultPackName(Math.min(...frameIndexes));
  const claimed = await claimFrames(ctx.pool, videoId, frameIndexes, opts.workerId, opts.leaseSeconds, pack);
  if (claimed.length < frameIndexes.length) await countSkippedDeliveries(ctx.pool, videoId, frameIndexes);
  if (claimed.length === 0) return;
  const heartbeat = setInterval(() => {
    extendLeases(ctx.pool, claimed, opts.leaseSeconds).catch(() => {});
  }, (opts.leaseSeconds * 1000) / 3);
  const watch = opts.stops?.watch(videoId, opts.signal);
  const batch = watch ? { ...opts, signal: watch.signal } : opts;
  let outcomes: Outcome[];
  const calls: BatchCalls = { calls: [], recovered: 0 };
  try {
    const size = await frameSize(ctx.pool, videoId);
    const store = opts.frames ?? storageFrameStore(ctx.storage);
    outcomes = await mapLimit(claimed, opts.concurrency, (frame) => enhanceFrame(batch, store, videoId, size, frame, pack, calls));
    // The results are stored, durably, before any row says succeeded. If the
    // worker dies after this, the re-claimed frames find their results in
    // this pack (their rows name it) and are recorded without a new call.
    outcomes = await storeResults(store, videoId, pack, outcomes);
  } catch (error) {
    // Nothing is settled, but the calls made were paid for.
    await withDeadlockRetry(() => recordCalls(ctx.pool, videoId, calls));
    throw error;
  } finally {
    clearInterval(heartbeat);
    watch?.release();
  }
  await settle(opts, videoId, outcomes, calls);
}

async function enhanceFrame(
  opts: EngineOptions,
  store: FrameStore,
  videoId: string,
  size: { width: number; height: number },
  frame: ClaimedFrame,
  pack: string,
  calls: BatchCalls,
): Promise<Outcome> {
  // Durable results: the output is stored before the row is marked. Found in
  // the pack of the frame's previous claim after a crash, it is recorded
  // without a new call. Only a frame claimed before can have one.
  if (frame.attempts > 1 && frame.previousPack && (await store.hasResult(videoId, frame.frameIndex, frame.previousPack))) {
    calls.recovered++;
    return { kind: "done", frame, pack: frame.previousPack };
  }
  if (opts.signal?.aborted) return { kind: "deferred", frame, waitMs: 0 };
  const startedAt = new Date();
  let image: Buffer;
  try {
    image = await store.readSource(videoId, frame.frameIndex);
  } catch (raw) {
    return failed(frame, classifyError(raw), startedAt);
  }
  // attempts counts this claim; a deferral gives its attempt back, so 1 means "never failed".
  // Counted when the guard lets the call through (lib/pipeline/sql/call-counters.ts).
  const made = { id: frame.id, succeeded: false };
  const call = await guardedCall(opts.guard, { videoId, frameIndex: frame.frameIndex, fresh: frame.attempts === 1 }, () => {
    calls.calls.push(made);
    return opts.enhancer.enhance({ videoId, frameIndex: frame.frameIndex, image, ...size, signal: opts.signal });
  });
  made.succeeded = call.status === "enhanced";
  if (call.status === "refused") return { kind: "deferred", frame, waitMs: call.waitMs };
  if (call.status === "enhanced") return { kind: "done", frame, pack, image: call.image };
  return failed(frame, call.error, startedAt);
}

/** Stores this claim's results as one pack. When that fails (a full disk), they are lost: each of those frames failed its attempt. */
async function storeResults(store: FrameStore, videoId: string, pack: string, outcomes: Outcome[]): Promise<Outcome[]> {
  const fresh = outcomes.flatMap((o) => (o.kind === "done" && o.image ? [{ index: o.frame.frameIndex, image: o.image }] : []));
  if (fresh.length === 0) return outcomes;
  const startedAt = new Date();
  try {
    await store.writeResults(videoId, pack, fresh);
    return outcomes.map((o) => (o.kind === "done" ? { kind: "done", frame: o.frame, pack: o.pack } : o));
  } catch (raw) {
    const error = classifyError(raw);
    return outcomes.map((o) => (o.kind === "done" && o.image ? failed(o.frame, error, startedAt) : o));
  }
}

function failed(frame: ClaimedFrame, error: EnhanceError, startedAt: Date): Outcome {
  return { kind: "failed", frame, error, startedAt, durationMs: Date.now() - startedAt.getTime() };
}

/** A failed call, as the retry rules (./outcome.ts) see it: a 429 or our own shutdown is waiting, not failing. */
function frameFailure(error: EnhanceError): Failure {
  if (error.errorClass === "Aborted") return { retryable: true, waiting: true };
  // A 429 without Retry-After: the fleet pauses a second (breakerOutcomeFor), so does the frame.
  if (error.httpStatus === 429) return { retryable: true, waiting: true, retryAfterMs: error.retryAfterMs ?? RETRY_BASE_MS };
  return { retryable: error.retryable, ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}) };
}

async function settle(opts: EngineOptions, videoId: string, outcomes: Outcome[], calls: BatchCalls): Promise<void> {
  const { ctx } = opts;
  const now = Date.now();
  const done: (ClaimedFrame & { pack: string })[] = [];
  const deferred: { frame: ClaimedFrame; waitMs: number }[] = [];
  const failed: { o: Extract<Outcome, { kind: "failed" }>; retryAt: Date | null }[] = [];
  for (const o of outcomes) {
    if (o.kind === "done") done.push({ ...o.frame, pack: o.pack });
    else if (o.kind === "deferred") deferred.push(o);
    else {
      const decision = decide(frameFailure(o.error), { attempt: o.frame.attempts, attemptLimit: o.frame.attemptLimit }, now);
      if (decision.kind === "snooze") deferred.push({ frame: o.frame, waitMs: decision.forMs });
      else failed.push({ o, retryAt: decision.kind === "retry" ? decision.at : null });
    }
  }
  const failures: FrameFailure[] = failed.map(({ o, retryAt }) => {
    const metadata = { ...o.error.toMetadata(), attempt: o.frame.attempts, workerId: opts.workerId, durationMs: o.durationMs, at: new Date().toISOString() };
    return {
      ...outcome(o.frame),
      error: metadata,
      fingerprint: errorFingerprint(metadata),
      retryAt,
      startedAt: o.startedAt,
      durationMs: o.durationMs,
      workerId: opts.workerId,
    };
  });
  // The finished frames' calls are recorded by their completion (the same
  // statement); the other calls (failed ones) before it, as they were made;
  // and those of finished frames this worker no longer owned (fenced out) after it.
  const finished = new Set(done.map((f) => f.id));
  const unfinishedCalls = calls.calls.filter((c) => !finished.has(c.id));
  if (unfinishedCalls.length > 0) await withDeadlockRetry(() => recordCalls(ctx.pool, videoId, { calls: unfinishedCalls, recovered: 0 }));
  const called = new Set(calls.calls.map((c) => c.id));
  const completion = await withDeadlockRetry(() => completeFrames(ctx.pool, videoId, done.map((f) => ({ ...outcome(f), called: called.has(f.id), pack: f.pack })), "enhanced", calls.recovered));
  if (completion.uncounted.length > 0) {
    const fencedOut = new Set(completion.uncounted);
    await withDeadlockRetry(() => recordCalls(ctx.pool, videoId, { calls: calls.calls.filter((c) => fencedOut.has(c.id)), recovered: 0 }));
  }
  const succeeded = completion.completed;
  let retried = 0;
  if (failures.length > 0 || deferred.length > 0) {
    // The retry jobs are sent in the same transaction that schedules the
    // retry, so a scheduled retry always has a job to wake it.
    retried = await withDeadlockRetry(() =>
      transaction(ctx.pool, async (tx) => {
        const settled = await failFrames(tx, videoId, failures);
        const retryAtByFrame = new Map(failed.map(({ o, retryAt }) => [o.frame.frameIndex, retryAt]));
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

// A video's frame size never changes: remembered for the next batches.
const sizes = new Map<string, { width: number; height: number }>();

async function frameSize(db: pg.Pool, videoId: string): Promise<{ width: number; height: number }> {
  const known = sizes.get(videoId);
  if (known) return known;
  const video = await readVideoMedia(db, videoId);
  const size = { width: video?.width ?? 0, height: video?.height ?? 0 };
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
