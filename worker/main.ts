// `npm run worker`: one worker process against DATABASE_URL (the web's
// `npm start` runs one itself). Stops cleanly on SIGINT/SIGTERM.
import { databaseUrl, env, EnvError } from "@/lib/env";
import { enhancerConfigFromEnv } from "@/lib/enhance/enhancer";
import { processStorage } from "@/lib/storage/open-storage";
import { Scratch } from "@/lib/storage/scratch";
import { StorageConfigError } from "@/lib/storage/storage";
import { startWorker } from "./run";
import { guardFromEnv } from "./guard";
import { startTeamJobs } from "./team-jobs";

async function main() {
  const e = env();
  const storage = processStorage(e);
  await storage.check();
  const worker = await startWorker({
    databaseUrl: databaseUrl(),
    dataDir: e.DATA_DIR,
    storage,
    scratch: new Scratch(e.SCRATCH_DIR, e.SCRATCH_MAX_BYTES),
    frameRetentionHours: e.FRAME_RETENTION_HOURS,
    queues: e.WORKER_QUEUES,
    enhancer: enhancerConfigFromEnv(e),
    concurrency: e.WORKER_CONCURRENCY,
    leaseSeconds: e.LEASE_SECONDS,
    sweepIntervalSeconds: e.SWEEP_INTERVAL_SECONDS,
    frameMaxAttempts: e.FRAME_MAX_ATTEMPTS,
    guard: guardFromEnv(e),
    transcriber: {
      captions: e.CAPTIONS,
      url: e.TRANSCRIBER_URL,
      apiKey: e.TRANSCRIBER_API_KEY,
      model: e.TRANSCRIBER_MODEL,
      whisperCppBin: e.WHISPER_CPP_BIN,
      whisperModel: e.WHISPER_MODEL,
    },
    thumbnailCount: e.THUMBNAIL_COUNT,
    log: (m) => console.log(`[worker] ${m}`),
  });
  // Webhook deliveries and bulk actions (worker/team-jobs.ts).
  const teamJobs = await startTeamJobs({
    databaseUrl: databaseUrl(),
    dataDir: e.DATA_DIR,
    storage,
    frameMaxAttempts: e.FRAME_MAX_ATTEMPTS,
    timeoutMs: e.WEBHOOK_TIMEOUT_MS,
    allowPrivate: e.WEBHOOK_ALLOW_PRIVATE,
    log: (m) => console.log(`[worker] ${m}`),
  });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`[worker] ${signal}: finishing in-flight frames`);
    await Promise.all([worker.stop(), teamJobs.stop()]);
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((error) => {
  console.error(error instanceof EnvError || error instanceof StorageConfigError ? error.message : error);
  process.exit(1);
});
