// `npm run bench:video`: one video end to end through a real Framewise next to
// one ffmpeg pass doing the same work, in the same run on this machine.
//
//  1. makes a 60 s 720p30 clip with audio (BENCH_SECONDS to change the length);
//  2. single pass: ffmpeg decodes, runs the local enhancer's filter (a 3x3
//     sharpen and a linear contrast/brightness on luma) and encodes x264
//     veryfast crf 20 + AAC;
//  3. Framewise: a real worker process (`worker/main.ts`, ENHANCER=local,
//     WORKER_CONCURRENCY as configured) and the upload path's command
//     (createVideo, what POST /api/videos and the tus upload call once the
//     bytes are in); timed from the upload handed over to `completed`;
//  4. the output's SSIM and PSNR against the single pass's output.
//
// Captions are off (BENCH_CAPTIONS=auto to turn them on): the clip's audio is
// a sine tone, and the transcriber's time measures pocketsphinx, not the
// pipeline. BENCH_STORAGE=s3 runs against an s3rver started here.
// BENCH_WORKER_LOG=<file> keeps the worker's log.
// BENCH_DATABASE_URL: an admin URL of a PostgreSQL where a scratch database is
// created (default the local one on 127.0.0.1:5432).
// The last line printed is one JSON object for scripts.
import { spawn, execFile } from "node:child_process";
import { copyFile, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { appendFileSync, closeSync, createWriteStream, mkdirSync, openSync, readdirSync, readFileSync } from "node:fs";
import { promisify } from "node:util";
import { createPool } from "../lib/db/client";
import { migrate } from "../lib/db/migrate";
import { ffmpegPath } from "../lib/media/binaries";
import { createVideo } from "../lib/pipeline/commands";
import type { PipelineContext } from "../lib/pipeline/context";
import { createBoss, createQueues } from "../lib/queue/boss";
import { videoKeys } from "../lib/storage/keys";
import { localStorage } from "../lib/storage/local-storage";
import { s3Storage, type S3Settings } from "../lib/storage/s3-storage";
import { Scratch } from "../lib/storage/scratch";
import type { Storage } from "../lib/storage/storage";
import { makeClip } from "../test/support/clips";
import { runS3rver } from "../test/support/s3rver";
import { createScratchDatabase } from "./scratch-database";
import { workerNodeArgs } from "../worker/node-args";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const STORAGE = (process.env.BENCH_STORAGE ?? (process.argv.includes("--s3") ? "s3" : "local")) as "local" | "s3";
const CAPTIONS = process.env.BENCH_CAPTIONS ?? "off";
/** A file that keeps the worker's log (it is otherwise shown only when the video fails). */
const WORKER_LOG = process.env.BENCH_WORKER_LOG;
const run = promisify(execFile);

// The local enhancer's filter (lib/enhance/local.ts): libvips' mild sharpen
// mask on luma, then 1.08 * y - 6.24 on full-range luma. The clip decodes to
// limited-range luma (y = 16 + 219/255 * y_full), where the same line is
// 1.08 * y - 6.64. Luma only, as the enhancer: the single pass is the
// cheapest honest equivalent, and the comparison is against it.
const SINGLE_PASS_FILTER = "convolution=0m='-1 -1 -1 -1 32 -1 -1 -1 -1':0rdiv=1/24:1m='0 0 0 0 1 0 0 0 0':2m='0 0 0 0 1 0 0 0 0',lutyuv=y='clip(val*1.08-6.64,0,255)'";

async function main() {
  const tmp = await mkdtemp(path.join(os.tmpdir(), "framewise-video-bench-"));
  const database = await createScratchDatabase("framewise_video");
  const { url } = database;
  const s3 = STORAGE === "s3" ? await runS3rver({ port: 0, directory: path.join(tmp, "s3"), bucket: "bench" }) : null;
  try {
    await migrate(url);
    const clip = path.join(tmp, "clip.mp4");
    const t = performance.now();
    await makeClip({ path: clip, seconds: SECONDS, width: 1280, height: 720, fps: 30, audio: true });
    console.log(`machine: ${os.cpus().length} cores; made a ${SECONDS} s 720p30 clip in ${secs(t).toFixed(1)} s; load ${loadavg()}`);
    const fileCreateMicros = fileCreationMicros(path.join(tmp, "file-probe"));
    console.log(
      `creating a file in ${os.tmpdir()}: ${fileCreateMicros.toFixed(0)} µs of CPU` +
        (fileCreateMicros > SLOW_FILE_CREATE_MICROS ? " (slow: see fileCreationMicros in bench/video.ts; wait 5 minutes after deleting many files)" : ""),
    );

    const single = path.join(tmp, "single.mp4");
    const singleCpuBefore = processCpu("self").children;
    const singleStart = performance.now();
    await ffmpeg(["-i", clip, "-vf", SINGLE_PASS_FILTER, "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "160k", single]);
    const singlePassSeconds = secs(singleStart);
    const singlePassCpu = processCpu("self").children - singleCpuBefore;
    console.log(`single ffmpeg pass: ${singlePassSeconds.toFixed(1)} s; load ${loadavg()}`);

    const s3Settings: S3Settings | null = s3
      ? { bucket: "bench", prefix: "fw", region: "us-east-1", endpoint: `http://127.0.0.1:${s3.port}`, forcePathStyle: true, accessKeyId: "S3RVER", secretAccessKey: "S3RVER" }
      : null;
    const dataDir = path.join(tmp, "data");
    const storage = s3Settings ? s3Storage(s3Settings) : localStorage(dataDir);
    const fw = await runFramewise({ url, tmp, dataDir, storage, s3Settings, clip });
    const output = path.join(tmp, "framewise.mp4");
    const stored = await storage.stream(videoKeys(fw.id).output);
    if (!stored) throw new Error("the video completed without an output in storage");
    await pipeline(stored, createWriteStream(output));
    const quality = await compare(output, single);
    const ratio = fw.seconds / singlePassSeconds;
    console.log(`Framewise (STORAGE=${STORAGE}, captions ${CAPTIONS}): ${fw.seconds.toFixed(1)} s upload -> completed; load ${loadavg()}`);
    for (const [name, s] of Object.entries(fw.stages)) {
      console.log(`  ${name.padEnd(11)} ${s.seconds.toFixed(1).padStart(6)} s  (from ${s.start.toFixed(1)} s to ${s.end.toFixed(1)} s)`);
    }
    console.log(`  frames extracted/enhanced/encoded ahead, every 2 s: ${fw.timeline.join(", ")}`);
    console.log(`  first frame enhanced ${fw.firstFrameEnhanced?.toFixed(1) ?? "?"} s after the upload`);
    console.log(`  overlap: the stages add up to ${fw.stageSum.toFixed(1)} s in ${fw.seconds.toFixed(1)} s of wall time (${fw.overlap.toFixed(1)} s overlapped)`);
    console.log(`output vs single pass: SSIM ${quality.ssim.toFixed(4)}, PSNR ${quality.psnr.toFixed(2)} dB`);
    console.log(`CPU: single pass ${singlePassCpu.toFixed(1)} s; Framewise ${(fw.cpu.own + fw.cpu.children + fw.cpu.postgres).toFixed(1)} s: worker ${fw.cpu.own.toFixed(1)} s in Node + ${fw.cpu.children.toFixed(1)} s in ffmpeg, PostgreSQL ${fw.cpu.postgres.toFixed(1)} s${s3 ? `; the bench process (the upload command and s3rver, the object store, on the same cores) ${fw.cpu.bench.toFixed(1)} s` : ""}`);
    console.log(`ratio: ${ratio.toFixed(2)}x the single pass (target <= 2.0x)`);
    console.log(
      JSON.stringify({
        singlePassSeconds: round(singlePassSeconds),
        framewiseSeconds: round(fw.seconds),
        ratio: round(ratio, 2),
        stages: Object.fromEntries(Object.entries(fw.stages).map(([name, s]) => [name, round(s.seconds)])),
        overlapSeconds: round(fw.overlap),
        cpuSeconds: { singlePass: round(singlePassCpu), workerNode: round(fw.cpu.own), workerTools: round(fw.cpu.children), postgres: round(fw.cpu.postgres), ...(s3 ? { objectStore: round(fw.cpu.bench) } : {}) },
        firstFrameEnhancedSeconds: fw.firstFrameEnhanced === null ? null : round(fw.firstFrameEnhanced),
        storage: STORAGE,
        captions: CAPTIONS,
        ssim: round(quality.ssim, 4),
        psnr: round(quality.psnr, 2),
        frames: fw.frames,
        fileCreateMicros: round(fileCreateMicros),
        loadavg: os.loadavg().map((l) => round(l, 2)),
      }),
    );
  } finally {
    await s3?.close().catch(() => {});
    await database.drop();
    await rm(tmp, { recursive: true, force: true });
  }
}

interface StageTime {
  start: number;
  end: number;
  seconds: number;
}

async function runFramewise(opts: { url: string; tmp: string; dataDir: string; storage: Storage; s3Settings: S3Settings | null; clip: string }) {
  const { url, tmp, dataDir, storage, s3Settings } = opts;
  const worker = spawnWorker({
    DATABASE_URL: url,
    DATA_DIR: dataDir,
    SCRATCH_DIR: path.join(tmp, "scratch"),
    ENHANCER: "local",
    CAPTIONS,
    FRAME_RETENTION_HOURS: "never",
    ...(s3Settings
      ? {
          STORAGE: "s3",
          S3_BUCKET: s3Settings.bucket,
          S3_PREFIX: s3Settings.prefix!,
          S3_REGION: s3Settings.region!,
          S3_ENDPOINT: s3Settings.endpoint!,
          S3_FORCE_PATH_STYLE: "1",
          S3_ACCESS_KEY_ID: s3Settings.accessKeyId!,
          S3_SECRET_ACCESS_KEY: s3Settings.secretAccessKey!,
        }
      : { STORAGE: "local" }),
  });
  const pool = createPool(url, 2);
  const boss = createBoss(url, { supervise: false });
  boss.on("error", () => {});
  try {
    await worker.ready;
    await boss.start();
    await createQueues(boss);
    const ctx: PipelineContext = { pool, boss, dataDir, storage, scratch: new Scratch(path.join(tmp, "web-scratch"), 1024 ** 3), frameMaxAttempts: 5 };
    // The upload's bytes as the upload routes leave them: a finished temp file.
    const upload = path.join(tmp, "upload.part");
    await copyFile(opts.clip, upload);
    // CPU from the upload on: the worker's start (loading its code) is not the video's work.
    const postgresBefore = postgresCpu();
    const workerBefore = processCpu(worker.child.pid!);
    const benchBefore = processCpu("self").own;
    const started = Date.now();
    const { id } = await createVideo(ctx, { tempPath: upload, originalName: "clip.mp4", sizeBytes: 1 });
    const timeline: string[] = [];
    let sampledAt = 0;
    for (;;) {
      if (Date.now() - sampledAt >= 2000) {
        sampledAt = Date.now();
        const { rows: p } = await pool.query<{ extracted: number; enhanced: number; encoded: number | null }>(
          `SELECT s.total AS extracted, s.succeeded AS enhanced, (SELECT frames FROM encode_ahead WHERE video_id = $1) AS encoded
             FROM video_stages s WHERE s.video_id = $1 AND s.name = 'enhance'`,
          [id],
        );
        if (p[0]) timeline.push(`${((Date.now() - started) / 1000).toFixed(0)}s ${p[0].extracted}/${p[0].enhanced}/${p[0].encoded ?? "-"}`);
      }
      const { rows } = await pool.query<{ status: string }>(`SELECT status FROM videos WHERE id = $1`, [id]);
      if (rows[0]?.status === "completed") break;
      if (rows[0]?.status === "failed" || rows[0]?.status === "canceled") {
        const stages = await pool.query(`SELECT name, status, error FROM video_stages WHERE video_id = $1`, [id]);
        throw new Error(`the video ${rows[0].status}: ${JSON.stringify(stages.rows)}\n${worker.output.join("").slice(-4000)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const { rows: done } = await pool.query<{ completed_at: Date }>(`SELECT max(finished_at) AS completed_at FROM video_stages WHERE video_id = $1`, [id]);
    const seconds = (done[0]!.completed_at.getTime() - started) / 1000;
    const { rows } = await pool.query<{ name: string; status: string; started_at: Date | null; finished_at: Date | null; total: number }>(
      `SELECT name, status, started_at, finished_at, total FROM video_stages WHERE video_id = $1 ORDER BY started_at NULLS LAST`,
      [id],
    );
    const stages: Record<string, StageTime> = {};
    for (const r of rows) {
      if (!r.started_at || !r.finished_at || r.status === "skipped") continue;
      const start = (r.started_at.getTime() - started) / 1000;
      const end = (r.finished_at.getTime() - started) / 1000;
      stages[r.name] = { start, end, seconds: end - start };
    }
    const frames = rows.find((r) => r.name === "enhance")?.total ?? 0;
    const { rows: first } = await pool.query<{ at: Date | null }>(`SELECT min(finished_at) AS at FROM frame_executions WHERE video_id = $1 AND status = 'succeeded'`, [id]);
    const firstFrameEnhanced = first[0]?.at ? (first[0].at.getTime() - started) / 1000 : null;
    const stageSum = Object.values(stages).reduce((sum, s) => sum + s.seconds, 0);
    // The worker's CPU up to here, and its tools' (ffmpeg, ffprobe: children it has reaped).
    const workerAfter = processCpu(worker.child.pid!);
    const cpu = {
      own: workerAfter.own - workerBefore.own,
      children: workerAfter.children - workerBefore.children,
      postgres: postgresCpu() - postgresBefore,
      // This process: the status polling, and with BENCH_STORAGE=s3 the object store (s3rver runs here).
      bench: processCpu("self").own - benchBefore,
    };
    return { id, seconds, stages, stageSum, overlap: Math.max(0, stageSum - seconds), frames, firstFrameEnhanced, cpu, timeline };
  } finally {
    worker.child.kill("SIGTERM");
    await worker.exited;
    await boss.stop({ graceful: false, close: true }).catch(() => {});
    await pool.end();
  }
}

/** `npm run worker` as its own process, with the bench's environment. */
function spawnWorker(env: Record<string, string>) {
  const child = spawn(process.execPath, workerNodeArgs(process.cwd()), {
    cwd: process.cwd(),
    env: { ...process.env, NODE_ENV: "production", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const onData = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (WORKER_LOG) appendFileSync(WORKER_LOG, chunk);
    if (/worker .* started/.test(chunk.toString())) markReady();
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  return { child, output, exited, ready: Promise.race([ready, exited.then(() => Promise.reject(new Error(`the worker exited:\n${output.join("")}`)))]) };
}

/**
 * SSIM (All) and PSNR (average) of `a` against `b`, frame n against frame n
 * (renumbered: the two files' timestamps start differently, and the filters
 * would otherwise pair frames by time, off by one).
 */
async function compare(a: string, b: string): Promise<{ ssim: number; psnr: number }> {
  const graph = "[0:v]settb=1/30,setpts=N,split[a1][a2];[1:v]settb=1/30,setpts=N,split[b1][b2];[a1][b1]ssim;[a2][b2]psnr";
  const { stderr } = await run(ffmpegPath(), ["-hide_banner", "-nostdin", "-i", a, "-i", b, "-lavfi", graph, "-f", "null", "-"], { maxBuffer: 64 * 1024 * 1024 });
  const ssim = Number(/SSIM .*All:([\d.]+)/.exec(stderr)?.[1] ?? NaN);
  const psnr = Number(/PSNR .*average:([\d.inf]+)/.exec(stderr)?.[1] ?? NaN);
  return { ssim, psnr };
}

async function ffmpeg(args: string[]): Promise<void> {
  await run(ffmpegPath(), ["-hide_banner", "-nostdin", "-v", "error", "-y", ...args], { maxBuffer: 16 * 1024 * 1024 });
}

/**
 * CPU seconds of a process (user + system) and of its children: those it has
 * waited for, plus those still running (the local enhancer's long-lived
 * ffmpeg processes), from /proc (Linux).
 */
function processCpu(pid: number | "self"): { own: number; children: number } {
  const stat = readStat(pid);
  let children = stat.children;
  for (const task of pid === "self" ? [] : readdirSync(`/proc/${pid}/task`)) {
    const live = readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").trim();
    for (const child of live ? live.split(" ") : []) {
      const c = readStat(Number(child));
      children += c.own + c.children;
    }
  }
  return { own: stat.own, children };
}

function readStat(pid: number | "self"): { own: number; children: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may hold spaces) in parentheses: utime is field 14.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ").map(Number);
  const tick = 100; // USER_HZ on Linux
  return { own: (fields[11]! + fields[12]!) / tick, children: (fields[13]! + fields[14]!) / tick };
}

/** Above this, creating a file costs several times what it does on a quiet file system here (~50 µs). */
const SLOW_FILE_CREATE_MICROS = 200;

/**
 * CPU microseconds to create one empty file in `dir` (200 of them, left for
 * the bench's cleanup). Framewise keeps each frame's images as files (with
 * STORAGE=local; s3rver makes three files per PUT), so the run pays this
 * ~3,600 times (~10,800 with s3rver). On ext4 without a journal (the
 * development machine's disk) a new file skips every inode freed in the last
 * 60 to 300 s: right after a previous run's cleanup (thousands of files),
 * measured ~600 µs of system CPU per file instead of ~50 µs (in one profiled
 * run, 2.8 s of the worker's Node CPU went to creating its files).
 */
function fileCreationMicros(dir: string): number {
  mkdirSync(dir, { recursive: true });
  const before = process.cpuUsage();
  for (let i = 0; i < 200; i++) closeSync(openSync(path.join(dir, String(i)), "w"));
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 200;
}

/** CPU seconds of every PostgreSQL process on this machine (the bench's database is the one at work). */
function postgresCpu(): number {
  let total = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, "utf8").trim() !== "postgres") continue;
      total += readStat(Number(entry)).own;
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

const secs = (since: number) => (performance.now() - since) / 1000;
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const loadavg = () => os.loadavg().map((l) => l.toFixed(2)).join(" ");

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
