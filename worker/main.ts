// `npm run worker`: one worker process against DATABASE_URL (the web's
// `npm start` runs one itself). Stops cleanly on SIGINT/SIGTERM.
import { databaseUrl, env, EnvError } from "@/lib/env";
import { enhancerConfigFromEnv } from "@/lib/enhance/enhancer";
import { processStorage } from "@/lib/storage/open-storage";
import { withRecentFrames } from "@/lib/storage/recent-frames";
import { Scratch } from "@/lib/storage/scratch";
import { StorageConfigError } from "@/lib/storage/storage";
import { startWorker } from "./run";
import { guardFromEnv } from "./guard";
import { startTeamJobs } from "./team-jobs";

async function main() {
  const e = env();
  const store = processStorage(e);
  await store.check();
  // On S3 every read is a request: the frames this worker wrote (and reads
  // back moments later, to enhance and to encode them) are answered from memory.
  const recent = e.STORAGE === "s3" && e.S3_FRAME_CACHE_BYTES > 0 ? withRecentFrames(store, e.S3_FRAME_CACHE_BYTES) : null;
  const storage = recent?.storage ?? store;
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
    if (recent) {
      const { hits, misses } = recent.stats();
      console.log(`[worker] frame images read: ${hits} from memory, ${misses} from the store`);
    }
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((error) => {
  console.error(error instanceof EnvError || error instanceof StorageConfigError ? error.message : error);
  process.exit(1);
});
