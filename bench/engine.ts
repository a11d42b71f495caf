// `npm run bench`: throughput of the frame engine next to raw pg-boss, in one
// run on this machine, and the time to queue a 108,000-frame video.
//
//  1. raw pg-boss: 20,000 no-op jobs, fetched 200 at a time (two fetch
//     loops), no database work of ours.
//  2. engine: 20,000 frames of one video through the real worker with the
//     no-op enhancer, fetched 200 frames at a time (two runs, two fetch loops,
//     as the raw baseline): batch claims, lease heartbeat, durable result
//     files, batch completion, counters and fan-in (the enhance stage must
//     finish). The worker serves only the enhance queue, so the idle polls of
//     the other stages' queues are not counted against the engine.
//  3. fan-out: rows and jobs of a 108,000-frame video, as preprocess makes them.
//
// CPU per frame (per job for raw pg-boss) is measured around each phase: the
// worker's from process.cpuUsage() (it runs in this process), PostgreSQL's
// from /proc (postmaster with its reaped children, plus its live children).
// Phases 1 and 2 run BENCH_ROUNDS times (3); the summary gives medians. The
// last line of output is one JSON object for scripts.
//
// Uses BENCH_DATABASE_URL when set, else an embedded PostgreSQL in a temp dir.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { chmod, mkdtemp, rm } from "node:fs/promises";
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
import { createBoss, createQueues, FRAME_RUN } from "../lib/queue/boss";
import { storeFramePacks } from "../test/support/seed";
import { seedEnhancingVideoRows } from "./seed";
import type { FrameStore } from "../lib/storage/frame-store";
import { localStorage } from "../lib/storage/local-storage";
import { Scratch } from "../lib/storage/scratch";
import { runsPerFetch, startWorker } from "../worker/run";

const FRAMES = Number(process.env.BENCH_FRAMES ?? 20_000);
const BIG_VIDEO = 108_000;
const BATCH = Number(process.env.BENCH_BATCH ?? 200);
const ENGINE_CONCURRENCY = Math.ceil(BATCH / 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

async function main() {
  const tmp = await mkdtemp(path.join(os.tmpdir(), "framewise-bench-"));
  await chmod(tmp, 0o755);
  const embedded = process.env.BENCH_DATABASE_URL ? undefined : await startEmbeddedDatabase({ dataDir: path.join(tmp, "pg"), port: 54_000 + (process.pid % 1000), database: "bench" });
  const url = process.env.BENCH_DATABASE_URL ?? embedded!.url;
  try {
    await migrate(url);
    console.log(`machine: ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? "?"}; node ${process.version}`);
    const postgres = await postgresCpu(url);
    // Rounds of the three phases, one after another: the machine is shared
    // and noisy, so each figure is the median over the rounds, and the ratio
    // the median of each round's own ratio (phases seconds apart).
    const rounds: { raw: Measured; bookkeeping: Measured; withFiles: Measured }[] = [];
    for (let r = 1; r <= ROUNDS; r++) {
      const raw = await rawPgBoss(url, postgres);
      const bookkeeping = await engineThroughput(url, tmp, "memory", postgres);
      const withFiles = await engineThroughput(url, tmp, "files", postgres);
      rounds.push({ raw, bookkeeping, withFiles });
      console.log(`round ${r}: raw ${raw.perSec.toFixed(0)} jobs/s, engine ${bookkeeping.perSec.toFixed(0)} frames/s (${(bookkeeping.perSec / raw.perSec).toFixed(2)}x), with files ${withFiles.perSec.toFixed(0)} frames/s; load ${loadAverage()}`);
    }
    const fanOut = await fanOutTime(url, tmp);
    const raw = medianOf(rounds.map((r) => r.raw));
    const bookkeeping = medianOf(rounds.map((r) => r.bookkeeping));
    const withFiles = medianOf(rounds.map((r) => r.withFiles));
    const ratio = median(rounds.map((r) => r.bookkeeping.perSec / r.raw.perSec));
    const cpu = (m: Measured) => `worker ${fmtUs(m.workerUs)} + PostgreSQL ${fmtUs(m.postgresUs)} CPU`;
    console.log("");
    console.log(`medians of ${ROUNDS} rounds:`);
    console.log(`raw pg-boss no-op jobs:                 ${raw.perSec.toFixed(0)} jobs/s (${FRAMES} jobs, batch ${BATCH}); per job: ${cpu(raw)}`);
    console.log(`engine, no-op enhancer, no frame I/O:   ${bookkeeping.perSec.toFixed(0)} frames/s = ${ratio.toFixed(2)}x raw (claims + completions + counters + fan-in); per frame: ${cpu(bookkeeping)}`);
    console.log(`engine, no-op enhancer, frame files:    ${withFiles.perSec.toFixed(0)} frames/s = ${median(rounds.map((r) => r.withFiles.perSec / r.raw.perSec)).toFixed(2)}x raw (+ read source, durable temp+rename write); per frame: ${cpu(withFiles)}`);
    console.log(`  (${BATCH} frames per fetch = ${runsPerFetch({ batchSize: BATCH, concurrency: ENGINE_CONCURRENCY })} runs of up to ${FRAME_RUN} frames)`);
    console.log(`  targets: >= 10,000 frames/s and >= 0.7x raw pg-boss: ${bookkeeping.perSec >= 10_000 && ratio >= 0.7 ? "met" : "NOT met"}`);
    console.log(`108,000-frame video queued in:          ${fanOut.toFixed(2)} s (rows + jobs, target < 10 s)`);
    console.log(`load average: ${loadAverage()}`);
    const round = (n: number | null) => (n === null ? null : Math.round(n * 100) / 100);
    console.log(
      JSON.stringify({
        rawJobsPerSec: Math.round(raw.perSec),
        engineFramesPerSec: Math.round(bookkeeping.perSec),
        engineFramesPerSecWithFiles: Math.round(withFiles.perSec),
        ratio: round(ratio),
        fanOutSeconds: round(fanOut),
        rawWorkerCpuUsPerJob: round(raw.workerUs),
        rawPostgresCpuUsPerJob: round(raw.postgresUs),
        engineWorkerCpuUsPerFrame: round(bookkeeping.workerUs),
        enginePostgresCpuUsPerFrame: round(bookkeeping.postgresUs),
        engineWithFilesWorkerCpuUsPerFrame: round(withFiles.workerUs),
        engineWithFilesPostgresCpuUsPerFrame: round(withFiles.postgresUs),
        frames: FRAMES,
        batch: BATCH,
        frameRun: FRAME_RUN,
        rounds: ROUNDS,
        loadAverage: loadAverage(),
      }),
    );
  } finally {
    await embedded?.stop();
    await rm(tmp, { recursive: true, force: true });
  }
}

interface Measured {
  perSec: number;
  /** CPU microseconds per frame (per job for raw pg-boss). */
  workerUs: number;
  /** null when PostgreSQL's processes cannot be read (another machine). */
  postgresUs: number | null;
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const medianOf = (ms: Measured[]): Measured => {
  const pg = ms.map((m) => m.postgresUs);
  return {
    perSec: median(ms.map((m) => m.perSec)),
    workerUs: median(ms.map((m) => m.workerUs)),
    postgresUs: pg.some((x) => x === null) ? null : median(pg as number[]),
  };
};
const loadAverage = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");

const fmtUs = (us: number | null) => (us === null ? "n/a" : `${us.toFixed(0)} µs`);

/** Starts the clock and the CPU meters of a timed phase; the returned function stops them. */
function measure(postgres: (() => number) | null): (units: number) => Measured {
  const pgBefore = postgres?.() ?? 0;
  const before = process.cpuUsage();
  const started = performance.now();
  return (units) => {
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(before);
    const pgUs = postgres ? postgres() - pgBefore : null;
    return { perSec: units / seconds, workerUs: (used.user + used.system) / units, postgresUs: pgUs === null ? null : pgUs / units };
  };
}

/**
 * PostgreSQL's CPU time so far, in µs, from /proc: the postmaster's own and
 * its reaped children's (utime, stime, cutime, cstime: every backend that
 * ended), plus its live children's (utime, stime). null when the server is
 * not a process of this machine.
 */
async function postgresCpu(url: string): Promise<(() => number) | null> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query<{ pid: number }>(`SELECT pg_backend_pid() AS pid`);
  const fields = (pid: number | string): string[] | null => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      // The command name (field 2) may hold spaces: fields start after its ')'.
      return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    } catch {
      return null;
    }
  };
  // fields[0] is field 3 (state): ppid is fields[1], utime..cstime are fields[11..14].
  // Read while the backend lives (its parent is the postmaster).
  const postmaster = Number(fields(rows[0]!.pid)?.[1]);
  await client.end();
  if (!postmaster || !fields(postmaster)) return null;
  const ticks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  return () => {
    let total = 0;
    const own = fields(postmaster);
    if (own) for (let i = 11; i <= 14; i++) total += Number(own[i]);
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      const child = fields(entry);
      if (child && Number(child[1]) === postmaster) total += Number(child[11]) + Number(child[12]);
    }
    return (total / ticks) * 1e6;
  };
}

async function rawPgBoss(url: string, postgres: (() => number) | null): Promise<Measured> {
  const boss = new PgBoss({ connectionString: url, max: 6, schedule: false, supervise: false });
  boss.on("error", () => {});
  await boss.start();
  const queue = "bench-raw";
  await boss.createQueue(queue);
  for (let i = 0; i < FRAMES; i += 10_000) {
    await boss.insert(queue, Array.from({ length: Math.min(10_000, FRAMES - i) }, (_, k) => ({ data: { n: i + k } })));
  }
  let done = 0;
  const stop = measure(postgres);
  const finished = new Promise<void>((resolve) => {
    void boss.work(queue, { batchSize: BATCH, pollingIntervalSeconds: 0.5, burstWhenBatchFull: true, localConcurrency: 2 }, async (jobs) => {
      done += jobs.length;
      if (done >= FRAMES) resolve();
    });
  });
  await finished;
  const result = stop(FRAMES);
  await boss.stop({ graceful: true, close: true });
  return result;
}

// Frames kept in memory: what the engine itself costs, without the disk.
const memoryFrames: FrameStore = {
  readSource: async () => SMALL_FRAME,
  hasResult: async () => false,
  writeResults: async () => {},
};
const SMALL_FRAME = Buffer.alloc(256, 1);

async function engineThroughput(url: string, tmp: string, frames: "memory" | "files", postgres: (() => number) | null): Promise<Measured> {
  const dataDir = path.join(tmp, "data");
  const pool = createPool(url, 4);
  const boss = createBoss(url, { supervise: false });
  boss.on("error", () => {});
  await boss.start();
  await createQueues(boss);
  const ctx: PipelineContext = { pool, boss, dataDir, storage: localStorage(dataDir), scratch: new Scratch(path.join(tmp, "scratch"), 1024 ** 3), frameMaxAttempts: 3 };
  const videoId = await seedEnhancingVideoRows(pool, FRAMES);
  // Tiny frames, stored in packs as extraction stores them: the no-op enhancer reads them and writes its results like real frames.
  const body = Buffer.alloc(256, 1);
  await storeFramePacks(ctx.storage, videoId, Array.from({ length: FRAMES }, () => body));
  await transaction(pool, async (tx) => {
    await tx.query(`UPDATE video_stages SET status = 'pending' WHERE video_id = $1 AND name = 'enhance'`, [videoId]);
    await advanceVideo(tx, ctx, videoId); // starts enhance and sends the frame jobs
  });
  if (process.env.BENCH_NO_HEARTBEAT) await boss.updateQueue("enhance", { heartbeatSeconds: null });
  const stop = measure(postgres);
  const worker = await startWorker({
    databaseUrl: url,
    dataDir,
    enhancer: { kind: "noop" },
    // Frames in flight: a fetch of BATCH frames is claimed and settled as one
    // chunk (the engine settles concurrency x 4 frames at a time); a no-op
    // enhancer needs no fewer in flight.
    concurrency: ENGINE_CONCURRENCY,
    batchSize: BATCH,
    queues: ["enhance"],
    ...(frames === "memory" ? { frames: memoryFrames } : {}),
    fetchLoops: Number(process.env.BENCH_LOOPS ?? 2),
    leaseSeconds: 60,
    sweepIntervalSeconds: 30,
    frameMaxAttempts: 3,
    transcriber: { captions: "off" },
    thumbnailCount: 1,
  });
  await waitForStage(pool, videoId);
  const result = stop(FRAMES);
  await worker.stop();
  await boss.stop({ graceful: false, close: true });
  await pool.end();
  return result;
}

// Polled every 50 ms: the poll runs on the PostgreSQL being measured, so it
// stays rare (at most 2.5% of a 2 s phase late).
async function waitForStage(pool: pg.Pool, videoId: string): Promise<void> {
  for (;;) {
    const { rows } = await pool.query(`SELECT status, succeeded FROM video_stages WHERE video_id = $1 AND name = 'enhance'`, [videoId]);
    if (rows[0]?.status === "succeeded") return;
    if (rows[0]?.status === "failed") throw new Error("enhance failed in the benchmark");
    await new Promise((r) => setTimeout(r, 50));
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
  const { rows } = await pool.query(
    `SELECT count(*)::int AS jobs, coalesce(sum(jsonb_array_length(data->'frameIndexes')), 0)::int AS frames FROM pgboss.job WHERE name = 'enhance' AND data->>'videoId' = $1`,
    [videoId],
  );
  if (rows[0].frames !== BIG_VIDEO) throw new Error(`expected jobs for ${BIG_VIDEO} frames, found ${rows[0].frames} frames in ${rows[0].jobs} jobs`);
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
