// `npm run bench`: throughput of the frame engine next to raw pg-boss, in one
// run on this machine, and the time to queue a 108,000-frame video.
//
//  1. raw pg-boss: 20,000 no-op jobs, batch fetch, no database work of ours.
//  2. engine: 20,000 frames of one video through the real worker with the
//     no-op enhancer: batch claims, lease heartbeat, durable result files,
//     batch completion, counters and fan-in (the enhance stage must finish).
//  3. fan-out: rows and jobs of a 108,000-frame video, as preprocess makes them.
//
// Uses BENCH_DATABASE_URL when set, else an embedded PostgreSQL in a temp dir.
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { PgBoss } from "pg-boss";
import { startEmbeddedDatabase } from "../lib/db/embedded";
import { migrate } from "../lib/db/migrate";
import { createPool, transaction } from "../lib/db/client";
import type { PipelineContext } from "../lib/pipeline/context";
import { advanceVideo } from "../lib/pipeline/flow";
import { insertFrames } from "../lib/pipeline/sql/insert-frames";
import { createBoss, createQueues } from "../lib/queue/boss";
import { frameFileName, videoPaths } from "../lib/storage/paths";
import { seedEnhancingVideoRows } from "./seed";
import type { FrameStore } from "../lib/storage/frame-store";
import { localStorage } from "../lib/storage/local-storage";
import { Scratch } from "../lib/storage/scratch";
import { startWorker } from "../worker/run";

const FRAMES = Number(process.env.BENCH_FRAMES ?? 20_000);
const BIG_VIDEO = 108_000;
const BATCH = Number(process.env.BENCH_BATCH ?? 200);

async function main() {
  const tmp = await mkdtemp(path.join(os.tmpdir(), "framewise-bench-"));
  await chmod(tmp, 0o755);
  const embedded = process.env.BENCH_DATABASE_URL ? undefined : await startEmbeddedDatabase({ dataDir: path.join(tmp, "pg"), port: 54_000 + (process.pid % 1000), database: "bench" });
  const url = process.env.BENCH_DATABASE_URL ?? embedded!.url;
  try {
    await migrate(url);
    console.log(`machine: ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? "?"}; node ${process.version}`);
    const raw = await rawPgBoss(url);
    const bookkeeping = await engineThroughput(url, tmp, "memory");
    const withFiles = await engineThroughput(url, tmp, "files");
    const fanOut = await fanOutTime(url, tmp);
    console.log("");
    console.log(`raw pg-boss no-op jobs:                 ${raw.toFixed(0)} jobs/s (${FRAMES} jobs, batch ${BATCH})`);
    console.log(`engine, no-op enhancer, no frame I/O:   ${bookkeeping.toFixed(0)} frames/s = ${(bookkeeping / raw).toFixed(2)}x raw (claims + completions + counters + fan-in)`);
    console.log(`engine, no-op enhancer, frame files:    ${withFiles.toFixed(0)} frames/s = ${(withFiles / raw).toFixed(2)}x raw (+ read source, durable temp+rename write)`);
    console.log(`  targets: >= 5,000 frames/s and >= 0.7x raw pg-boss`);
    console.log(`108,000-frame video queued in:          ${fanOut.toFixed(2)} s (rows + jobs, target < 10 s)`);
  } finally {
    await embedded?.stop();
    await rm(tmp, { recursive: true, force: true });
  }
}

async function rawPgBoss(url: string): Promise<number> {
  const boss = new PgBoss({ connectionString: url, max: 6, schedule: false, supervise: false });
  boss.on("error", () => {});
  await boss.start();
  const queue = "bench-raw";
  await boss.createQueue(queue);
  for (let i = 0; i < FRAMES; i += 10_000) {
    await boss.insert(queue, Array.from({ length: Math.min(10_000, FRAMES - i) }, (_, k) => ({ data: { n: i + k } })));
  }
  let done = 0;
  const started = performance.now();
  const finished = new Promise<void>((resolve) => {
    void boss.work(queue, { batchSize: BATCH, pollingIntervalSeconds: 0.5, burstWhenBatchFull: true, localConcurrency: 2 }, async (jobs) => {
      done += jobs.length;
      if (done >= FRAMES) resolve();
    });
  });
  await finished;
  const seconds = (performance.now() - started) / 1000;
  await boss.stop({ graceful: true, close: true });
  return FRAMES / seconds;
}

// Frames kept in memory: what the engine itself costs, without the disk.
const memoryFrames: FrameStore = {
  readSource: async () => SMALL_FRAME,
  hasResult: async () => false,
  writeResult: async () => {},
  persistResults: async () => {},
};
const SMALL_FRAME = Buffer.alloc(256, 1);

async function engineThroughput(url: string, tmp: string, frames: "memory" | "files"): Promise<number> {
  const dataDir = path.join(tmp, "data");
  const pool = createPool(url, 4);
  const boss = createBoss(url, { supervise: false });
  boss.on("error", () => {});
  await boss.start();
  await createQueues(boss);
  const ctx: PipelineContext = { pool, boss, dataDir, storage: localStorage(dataDir), scratch: new Scratch(path.join(tmp, "scratch"), 1024 ** 3), frameMaxAttempts: 3 };
  const videoId = await seedEnhancingVideoRows(pool, FRAMES);
  // Tiny frame files: the no-op enhancer reads and writes them like real frames.
  const { framesDir } = videoPaths(dataDir, videoId);
  await mkdir(framesDir, { recursive: true });
  const body = Buffer.alloc(256, 1);
  for (let i = 0; i < FRAMES; i += 500) {
    await Promise.all(Array.from({ length: Math.min(500, FRAMES - i) }, (_, k) => writeFile(path.join(framesDir, frameFileName(i + k)), body)));
  }
  await transaction(pool, async (tx) => {
    await tx.query(`UPDATE video_stages SET status = 'pending' WHERE video_id = $1 AND name = 'enhance'`, [videoId]);
    await advanceVideo(tx, ctx, videoId); // starts enhance and sends the frame jobs
  });
  if (process.env.BENCH_NO_HEARTBEAT) await boss.updateQueue("enhance", { heartbeatSeconds: null });
  const started = performance.now();
  const worker = await startWorker({
    databaseUrl: url,
    dataDir,
    enhancer: { kind: "noop" },
    concurrency: 32,
    batchSize: BATCH,
    fetchLoops: Number(process.env.BENCH_LOOPS ?? 2),
    leaseSeconds: 60,
    sweepIntervalSeconds: 30,
    frameMaxAttempts: 3,
    transcriber: { captions: "off" },
    thumbnailCount: 1,
  });
  await waitForStage(pool, videoId);
  const seconds = (performance.now() - started) / 1000;
  await worker.stop();
  await boss.stop({ graceful: false, close: true });
  await pool.end();
  return FRAMES / seconds;
}

async function waitForStage(pool: pg.Pool, videoId: string): Promise<void> {
  for (;;) {
    const { rows } = await pool.query(`SELECT status, succeeded FROM video_stages WHERE video_id = $1 AND name = 'enhance'`, [videoId]);
    if (rows[0]?.status === "succeeded") return;
    if (rows[0]?.status === "failed") throw new Error("enhance failed in the benchmark");
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function fanOutTime(url: string, tmp: string): Promise<number> {
  const pool = createPool(url, 2);
  const boss = createBoss(url, { supervise: false });
  boss.on("error", () => {});
  await boss.start();
  const ctx: PipelineContext = { pool, boss, dataDir: path.join(tmp, "data"), storage: localStorage(path.join(tmp, "data")), scratch: new Scratch(path.join(tmp, "scratch"), 1024 ** 3), frameMaxAttempts: 3 };
  const videoId = await seedEnhancingVideoRows(pool, 0);
  await pool.query(`UPDATE video_stages SET status = 'pending' WHERE video_id = $1 AND name = 'enhance'`, [videoId]);
  const started = performance.now();
  await transaction(pool, async (tx) => {
    await insertFrames(tx, videoId, BIG_VIDEO, 3);
    await advanceVideo(tx, ctx, videoId);
  });
  const seconds = (performance.now() - started) / 1000;
  const { rows } = await pool.query(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'enhance' AND data->>'videoId' = $1`, [videoId]);
  if (rows[0].n !== BIG_VIDEO) throw new Error(`expected ${BIG_VIDEO} jobs, found ${rows[0].n}`);
  await boss.stop({ graceful: false, close: true });
  await pool.end();
  return seconds;
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
