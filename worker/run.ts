import { randomBytes } from "node:crypto";
import os from "node:os";
import path from "node:path";
import type pg from "pg";
import { createPool } from "@/lib/db/client";
import { createEnhancer, type EnhancerConfig } from "@/lib/enhance/enhancer";
import type { PipelineContext } from "@/lib/pipeline/context";
import type { CallGuard, EngineOptions } from "@/lib/pipeline/frame-engine";
import { runEncode } from "@/lib/pipeline/runners/encode";
import { captionsRunner } from "@/lib/pipeline/runners/captions";
import { runPreprocess } from "@/lib/pipeline/runners/preprocess";
import { thumbnailsRunner } from "@/lib/pipeline/runners/thumbnails";
import type { TranscriberConfig } from "@/lib/captions/transcriber";
import { markWorkerStopped, upsertWorker } from "@/lib/pipeline/sql/workers";
import { sweep } from "@/lib/pipeline/sweeper";
import { VideoStops } from "@/lib/pipeline/video-stops";
import { createBoss, createQueues, ENCODE_AHEAD_QUEUE, FRAME_RUN } from "@/lib/queue/boss";
import { deliveredFrames, QUEUES, type QueueName } from "@/lib/queue/jobs";
import type { FrameStore } from "@/lib/storage/frame-store";
import { localStorage } from "@/lib/storage/local-storage";
import { purgeExpiredFrames } from "@/lib/storage/retention";
import { Scratch } from "@/lib/storage/scratch";
import type { Storage } from "@/lib/storage/storage";
import { encodeAheadHandler } from "./handlers/encode-ahead";
import { enhanceHandler } from "./handlers/enhance";
import { stageHandler, type StageRunner } from "./handlers/stage";

export interface WorkerConfig {
  databaseUrl: string;
  dataDir: string;
  enhancer: EnhancerConfig;
  concurrency: number;
  /** Frames fetched at a time on the enhance queue (default: 4 per frame in flight, at least 8); rounded to whole runs. */
  batchSize?: number;
  /** Concurrent fetch loops on the enhance queue (pg-boss localConcurrency). */
  fetchLoops?: number;
  /** Where frames are read and results kept; the storage when not given. */
  frames?: FrameStore;
  /** Every file of a video; local storage under dataDir when not given. */
  storage?: Storage;
  /** The worker's local working space; a folder under the OS temp dir with a 2 GiB budget when not given. */
  scratch?: Scratch;
  /** The stages this worker serves (default: all). The sweeper and retention run on every worker. */
  queues?: Exclude<QueueName, "sweep">[];
  /** Frame files of a completed video are purged this long after it completed (0: at once); null or absent: kept. */
  frameRetentionHours?: number | null;
  leaseSeconds: number;
  sweepIntervalSeconds: number;
  frameMaxAttempts: number;
  transcriber: TranscriberConfig;
  thumbnailCount: number;
  guard?: (pool: pg.Pool, workerId: string) => CallGuard | undefined;
  /**
   * A folder of a video whose row is gone is removed once untouched this
   * long (default 120 s: a video's folder exists a moment before its row).
   * Looked for at most once a minute.
   */
  orphanFolderGraceSeconds?: number;
  log?: (message: string) => void;
}

/**
 * pg-boss's batch size counts jobs, and an enhance job is a run of up to
 * FRAME_RUN frames: the frames wanted per fetch, in whole runs, at least two,
 * so a fetch holds at most max(frames wanted, two runs) frames. Two because
 * pg-boss ignores burstWhenBatchFull at a batch size of 1 and would wait a
 * polling interval after every run (measured: 800 frames/s instead of 6,700).
 */
export function runsPerFetch(config: Pick<WorkerConfig, "batchSize" | "concurrency">): number {
  const frames = config.batchSize ?? Math.max(8, config.concurrency * 4);
  return Math.max(2, Math.floor(frames / FRAME_RUN));
}

export interface RunningWorker {
  id: string;
  stop(): Promise<void>;
}

/**
 * One worker: pg-boss started, queues created, handlers registered, a
 * heartbeat row in `workers`, and the sweeper on a timer. stop() stops
 * fetching, lets in-flight frames finish (a frame that has not reached the
 * enhancer yet is handed back), and closes its connections: nothing of this
 * worker is left `running`.
 */
export async function startWorker(config: WorkerConfig): Promise<RunningWorker> {
  const log = config.log ?? (() => {});
  const id = `${os.hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
  const pool = createPool(config.databaseUrl, Math.max(4, config.concurrency + 2));
  const boss = createBoss(config.databaseUrl);
  boss.on("error", (error) => log(`queue error: ${(error as Error).message}`));
  await boss.start();
  await createQueues(boss);
  const scratch = config.scratch ?? new Scratch(path.join(os.tmpdir(), "framewise-scratch"), 2 * 1024 ** 3);
  await scratch.removeLeftovers();
  const storage = config.storage ?? localStorage(config.dataDir);
  const ctx: PipelineContext = { pool, boss, dataDir: config.dataDir, storage, scratch, frameMaxAttempts: config.frameMaxAttempts };
  const shutdown = new AbortController();
  const stops = new VideoStops(pool, 1000, log);
  stops.start();
  let inFlight = 0;
  const engine: EngineOptions = {
    ctx,
    workerId: id,
    enhancer: createEnhancer(config.enhancer),
    leaseSeconds: config.leaseSeconds,
    concurrency: config.concurrency,
    guard: config.guard?.(pool, id),
    frames: config.frames,
    signal: shutdown.signal,
    stops,
  };
  const enhance = enhanceHandler(engine, log);
  // A worker may serve only some stages (WORKER_QUEUES: enhance on GPU machines, encode on CPU ones).
  const serves = (queue: string) => !config.queues || config.queues.includes(queue as Exclude<QueueName, "sweep">);
  if (serves(QUEUES.enhance)) await boss.work(
    QUEUES.enhance,
    // Two fetch loops: one batch is enhanced while the next is claimed/settled.
    { batchSize: runsPerFetch(config), pollingIntervalSeconds: 0.5, burstWhenBatchFull: true, localConcurrency: config.fetchLoops ?? 2 },
    async (jobs) => {
      // Frames, not jobs: a job is a run of frames.
      const frames = jobs.reduce((n, j) => n + deliveredFrames(j.data), 0);
      inFlight += frames;
      try {
        await enhance(jobs);
      } finally {
        inFlight -= frames;
      }
    },
  );
  const stageRunners: Record<Exclude<QueueName, "enhance">, StageRunner> = {
    preprocess: runPreprocess,
    thumbnails: thumbnailsRunner(config.thumbnailCount),
    captions: captionsRunner(config.transcriber),
    encode: runEncode,
  };
  for (const [queue, runner] of Object.entries(stageRunners) as [keyof typeof stageRunners, StageRunner][]) {
    if (!serves(queue)) continue;
    await boss.work(queue, { batchSize: 1, pollingIntervalSeconds: 0.5, localConcurrency: 2 }, stageHandler(ctx, queue, runner, shutdown.signal, stops));
  }
  // Early encodes wait on frames most of their time: their own slots, so
  // they never hold back an encode stage.
  if (serves(QUEUES.encode)) await boss.work(ENCODE_AHEAD_QUEUE, { batchSize: 1, pollingIntervalSeconds: 0.5, localConcurrency: 2 }, encodeAheadHandler(ctx, id, shutdown.signal, stops, log));

  const beat = () => upsertWorker(pool, { id, host: os.hostname(), pid: process.pid, concurrency: config.concurrency, inFlight }).catch(() => {});
  await beat();
  const heartbeat = setInterval(beat, 5000);
  let sweeping = false;
  let foldersSweptAt = 0;
  const orphanGrace = config.orphanFolderGraceSeconds ?? 120;
  const sweeper = setInterval(async () => {
    if (sweeping) return;
    sweeping = true;
    try {
      const folders = Date.now() - foldersSweptAt >= Math.min(60_000, orphanGrace * 1000);
      const r = await sweep(ctx, { overdueGraceSeconds: Math.max(30, config.sweepIntervalSeconds * 2), ...(folders ? { orphanFolderGraceSeconds: orphanGrace } : {}) });
      if (folders && r.ran) foldersSweptAt = Date.now();
      if (r.released || r.resent || r.stagesFinished || r.orphanFolders) {
        log(`sweep: ${r.released} leases released, ${r.resent} jobs re-sent, ${r.stagesFinished} stages finished, ${r.orphanFolders} folders of deleted videos removed`);
      }
      if (config.frameRetentionHours !== undefined && config.frameRetentionHours !== null) {
        const purged = await purgeExpiredFrames(ctx, config.frameRetentionHours);
        if (purged.videos) log(`retention: frames of ${purged.videos} videos purged (${purged.objects} files, ${purged.bytes} bytes)`);
      }
    } catch (error) {
      log(`sweep failed: ${(error as Error).message}`);
    } finally {
      sweeping = false;
    }
  }, config.sweepIntervalSeconds * 1000);
  log(`worker ${id} started (stages: ${config.queues?.join(", ") ?? "all"}, enhancer: ${engine.enhancer.name}, ${config.concurrency} frames in flight, storage: ${storage.kind} ${storage.location}, scratch: ${scratch.dir})`);

  let stopped: Promise<void> | undefined;
  return {
    id,
    stop: () => {
      stopped ??= (async () => {
        clearInterval(sweeper);
        clearInterval(heartbeat);
        // Stop fetching, then wait for handlers: frames already at the
        // enhancer finish and are recorded; the rest are handed back.
        const fetching = [...Object.values(QUEUES), ENCODE_AHEAD_QUEUE].map((q) => boss.offWork(q, { wait: false }).catch(() => {}));
        await Promise.all(fetching);
        shutdown.abort();
        stops.stop();
        await boss.stop({ graceful: true, timeout: 30_000, close: true }).catch(() => {});
        await markWorkerStopped(pool, id).catch(() => {});
        await pool.end();
        log(`worker ${id} stopped`);
      })();
      return stopped;
    },
  };
}
