// `npx tsx bench/scale.ts`: the issue-10 figures, measured on this machine.
//  - peak scratch bytes of a worker for a 60 s and a 10 min 720p30 video
//    (STORAGE=s3 against s3rver; scratch sampled every 100 ms), which must
//    not grow with the length: frames and outputs go through pipes;
//  - end-to-end time (upload accepted -> completed) of the 60 s clip on
//    STORAGE=local and on STORAGE=s3;
//  - storage bytes of a video before and after retention purges its frames.
// Captions off (a 10-minute transcription would dominate every figure).
// BENCH_DATABASE_URL (default: the local PostgreSQL on 127.0.0.1:5432).
import { copyFile, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createPool } from "../lib/db/client";
import { migrate } from "../lib/db/migrate";
import { createVideo } from "../lib/pipeline/commands";
import type { PipelineContext } from "../lib/pipeline/context";
import { createBoss, createQueues } from "../lib/queue/boss";
import { videoKeys } from "../lib/storage/keys";
import { localStorage } from "../lib/storage/local-storage";
import { purgeExpiredFrames } from "../lib/storage/retention";
import { s3Storage } from "../lib/storage/s3-storage";
import { Scratch } from "../lib/storage/scratch";
import type { Storage } from "../lib/storage/storage";
import { makeClip } from "../test/support/clips";
import { runS3rver } from "../test/support/s3rver";
import { startWorker } from "../worker/run";
import { createScratchDatabase } from "./scratch-database";


async function main() {
  const tmp = await mkdtemp(path.join(os.tmpdir(), "framewise-scale-"));
  const database = await createScratchDatabase("framewise_scale");
  const { url } = database;
  const s3 = await runS3rver({ port: 0, directory: path.join(tmp, "s3"), bucket: "bench" });
  const { port } = s3;
  try {
    await migrate(url);
    // storage:seconds[:enhancer] runs, in order.
    const runs = (process.env.BENCH_RUNS ?? "local:60:local,s3:60:local,s3:600:noop").split(",").map((r) => {
      const [storage, seconds, enhancer = "local"] = r.split(":");
      return { storage: storage as "local" | "s3", seconds: Number(seconds), enhancer: enhancer as "local" | "noop" };
    });
    const lengths = [...new Set(runs.map((r) => r.seconds))];
    const clips = new Map<number, string>();
    for (const seconds of lengths) {
      const t = Date.now();
      clips.set(seconds, await makeClip({ path: path.join(tmp, `clip-${seconds}.mp4`), seconds, width: 1280, height: 720, fps: 30, audio: true }));
      console.log(`made a ${seconds} s 720p30 clip in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    }
    const s3Settings = { bucket: "bench", prefix: "fw", region: "us-east-1", endpoint: `http://127.0.0.1:${port}`, forcePathStyle: true, accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };
    for (const run of runs) {
      const storage = run.storage === "s3" ? s3Storage(s3Settings) : localStorage(path.join(tmp, "data"));
      const r = await measure(url, tmp, storage, clips.get(run.seconds)!, run.enhancer);
      console.log(
        `${run.seconds} s 720p30, STORAGE=${run.storage}, enhancer=${run.enhancer}: end to end ${r.seconds.toFixed(1)} s; ` +
          `peak scratch ${r.peakScratch} bytes; peak RSS of the bench process ${(r.peakRss / 1024 ** 2).toFixed(0)} MiB; ` +
          `storage ${(r.before / 1024 ** 2).toFixed(1)} MiB, after retention (0 h) ${(r.after / 1024 ** 2).toFixed(1)} MiB; load ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`,
      );
    }
  } finally {
    await s3.close().catch(() => {});
    await database.drop();
    await rm(tmp, { recursive: true, force: true });
  }
}

async function measure(url: string, tmp: string, storage: Storage, clip: string, enhancer: "local" | "noop") {
  const scratch = new Scratch(path.join(tmp, `scratch-${storage.kind}`), 2 * 1024 ** 3);
  const pool = createPool(url, 4);
  const boss = createBoss(url, { supervise: false });
  boss.on("error", () => {});
  await boss.start();
  await createQueues(boss);
  const ctx: PipelineContext = { pool, boss, dataDir: path.join(tmp, "data"), storage, scratch, frameMaxAttempts: 3 };
  const worker = await startWorker({
    databaseUrl: url,
    dataDir: path.join(tmp, "worker-data"),
    storage,
    scratch,
    enhancer: { kind: enhancer },
    concurrency: 8,
    leaseSeconds: 60,
    sweepIntervalSeconds: 10,
    frameMaxAttempts: 3,
    transcriber: { captions: "off" },
    thumbnailCount: 8,
  });
  let peakScratch = 0;
  let peakRss = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peakScratch = Math.max(peakScratch, await scratch.usedBytes());
      peakRss = Math.max(peakRss, process.memoryUsage.rss());
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const upload = path.join(tmp, "upload.part");
  await copyFile(clip, upload);
  const started = performance.now();
  const { id } = await createVideo(ctx, { tempPath: upload, originalName: path.basename(clip), sizeBytes: 1 });
  for (;;) {
    const { rows } = await pool.query<{ status: string }>(`SELECT status FROM videos WHERE id = $1`, [id]);
    if (rows[0]?.status === "completed") break;
    if (rows[0]?.status === "failed") throw new Error(`the video failed: ${JSON.stringify((await pool.query(`SELECT name, error FROM video_stages WHERE video_id = $1`, [id])).rows)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const seconds = (performance.now() - started) / 1000;
  sampling = false;
  await sampler;
  const keys = videoKeys(id);
  const before = (await storage.usage(keys.prefix)).bytes;
  await purgeExpiredFrames(ctx, 0);
  const after = (await storage.usage(keys.prefix)).bytes;
  await worker.stop();
  await boss.stop({ graceful: false, close: true });
  await pool.end();
  return { seconds, peakScratch: Math.max(peakScratch, scratch.peakBytes), peakRss, before, after };
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
