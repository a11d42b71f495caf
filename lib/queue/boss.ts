import { PgBoss } from "pg-boss";
import type { Db as IDatabase, Queue } from "pg-boss";
import type pg from "pg";
import { QUEUES, type FrameJob, type FrameRunJob, type QueueName, type VideoJob } from "./jobs";
import { ensureWebhookQueue } from "@/lib/webhooks/queue";
import { ensureBulkQueue } from "@/lib/bulk/queue";

// Queue settings. Enhance jobs (runs of frames) are cheap triggers: the frame rows are the truth,
// so a lost or repeated enhance job is harmless (the claim skips done frames,
// the sweeper re-sends for frames whose lease lapsed). Stage jobs run one
// long ffmpeg step; pg-boss's heartbeat lets a dead worker's job be retried
// without waiting for the full expiry.
const QUEUE_OPTIONS: Record<QueueName, Omit<Queue, "name">> = {
  preprocess: { retryLimit: 2, retryDelay: 5, expireInSeconds: 4 * 3600, heartbeatSeconds: 30 },
  // The heartbeat also rescues a batch whose worker could not settle it
  // (PostgreSQL unreachable at that moment): without it the jobs would sit
  // `active` until the 15-minute expiry, holding their frames back.
  enhance: { retryLimit: 5, retryDelay: 2, retryBackoff: true, expireInSeconds: 15 * 60, deleteAfterSeconds: 3600, heartbeatSeconds: 10 },
  thumbnails: { retryLimit: 2, retryDelay: 5, expireInSeconds: 3600, heartbeatSeconds: 30 },
  captions: { retryLimit: 2, retryDelay: 5, expireInSeconds: 4 * 3600, heartbeatSeconds: 30 },
  encode: { retryLimit: 2, retryDelay: 5, expireInSeconds: 4 * 3600, heartbeatSeconds: 30 },
};

// The early encode of a video (lib/pipeline/runners/encode-ahead.ts): one job
// when its enhance stage starts, served by the workers that serve encode. Not
// retried: if it dies, the encode stage encodes the frames itself.
export const ENCODE_AHEAD_QUEUE = "encode-ahead";
const ENCODE_AHEAD_OPTIONS: Omit<Queue, "name"> = { retryLimit: 0, expireInSeconds: 24 * 3600, deleteAfterSeconds: 3600, heartbeatSeconds: 30 };

export function createBoss(databaseUrl: string, opts: { max?: number; supervise?: boolean } = {}): PgBoss {
  const boss = new PgBoss({
    connectionString: databaseUrl,
    max: opts.max ?? 6,
    application_name: "framewise-queue",
    supervise: opts.supervise ?? true,
    // How often lapsed heartbeats and expired jobs are looked for.
    superviseIntervalSeconds: 10,
    schedule: false,
  });
  return boss;
}

export async function createQueues(boss: PgBoss): Promise<void> {
  const existing = new Set((await boss.getQueues()).map((q) => q.name));
  for (const name of Object.values(QUEUES)) {
    if (!existing.has(name)) await boss.createQueue(name, QUEUE_OPTIONS[name]);
  }
  if (!existing.has(ENCODE_AHEAD_QUEUE)) await boss.createQueue(ENCODE_AHEAD_QUEUE, ENCODE_AHEAD_OPTIONS);
  await ensureWebhookQueue(boss);
  await ensureBulkQueue(boss);
}

/** pg-boss statements run on our transaction, so a job is sent if and only if the transaction commits. */
export function onTransaction(client: pg.PoolClient): IDatabase {
  return { executeSql: (text: string, values?: unknown[]) => client.query(text, values) };
}

export async function sendVideoJob(boss: PgBoss, queue: Exclude<QueueName, "enhance">, job: VideoJob, client?: pg.PoolClient, startAfter?: Date): Promise<void> {
  await boss.send(queue, job, { ...(client ? { db: onTransaction(client) } : {}), ...(startAfter ? { startAfter } : {}) });
}

export async function sendEncodeAheadJob(boss: PgBoss, videoId: string, client: pg.PoolClient): Promise<void> {
  await boss.send(ENCODE_AHEAD_QUEUE, { videoId } satisfies VideoJob, { db: onTransaction(client) });
}

// Frames per enhance job. A run is claimed and settled by one worker in one
// batch, so it trades statements per frame against how finely a video is
// shared out: 100 frames is 1,080 jobs for an hour at 30 fps (plenty for a
// fleet) and half a second of work for a local enhancer at 4 frames in
// flight. Measured with bench/engine.ts (10,000 frames, 200 per fetch, one
// run each on the shared machine at load 6-11, so roughly): worker +
// PostgreSQL CPU per frame about 240 µs with runs of 20, 180 µs with 50,
// 140 µs with 100; bigger runs only coarsen the sharing.
export const FRAME_RUN = 100;

// pg-boss's insert takes an array; large fan-outs go in slices so one
// statement's JSON stays a few MB.
const INSERT_SLICE = 10_000;

type FrameJobToSend = FrameJob & { startAfter?: Date | null };

/**
 * Groups frames into runs: frames of one video due at the same time (the
 * same startAfter, or none), in frame order, at most `size` per run. A
 * frame listed twice is delivered once.
 */
export function groupFrameRuns(jobs: FrameJobToSend[], size = FRAME_RUN): (FrameRunJob & { startAfter: Date | null })[] {
  const groups = new Map<string, { videoId: string; startAfter: Date | null; frames: Set<number> }>();
  for (const j of jobs) {
    const key = `${j.videoId}/${j.startAfter?.getTime() ?? ""}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { videoId: j.videoId, startAfter: j.startAfter ?? null, frames: new Set() }));
    group.frames.add(j.frameIndex);
  }
  const runs: (FrameRunJob & { startAfter: Date | null })[] = [];
  for (const { videoId, startAfter, frames } of groups.values()) {
    const sorted = [...frames].sort((a, b) => a - b);
    for (let i = 0; i < sorted.length; i += size) runs.push({ videoId, frameIndexes: sorted.slice(i, i + size), startAfter });
  }
  return runs;
}

/** Sends enhance jobs for frames, grouped into runs (groupFrameRuns); with a client, in its transaction. */
export async function sendFrameJobs(boss: PgBoss, jobs: FrameJobToSend[], opts: { client?: pg.PoolClient } = {}): Promise<void> {
  const runs = groupFrameRuns(jobs);
  for (let i = 0; i < runs.length; i += INSERT_SLICE) {
    const slice = runs.slice(i, i + INSERT_SLICE).map(({ startAfter, ...data }) => (startAfter ? { data, startAfter } : { data }));
    await boss.insert(QUEUES.enhance, slice, opts.client ? { db: onTransaction(opts.client) } : undefined);
  }
}
