import { copyFile, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type pg from "pg";
import { afterAll } from "vitest";
import { createVideo } from "@/lib/pipeline/commands";
import type { PipelineContext } from "@/lib/pipeline/context";
import { createBoss, createQueues } from "@/lib/queue/boss";
import { localStorage } from "@/lib/storage/local-storage";
import { Scratch } from "@/lib/storage/scratch";
import type { Storage } from "@/lib/storage/storage";
import { startWorker, type WorkerConfig } from "@/worker/run";
import { createTestDatabase } from "./db";
import { waitFor } from "./wait";

/** A database, a data dir and a sending pg-boss for one test file; all removed afterwards. */
export async function createTestPipeline(options: { storage?: (dataDir: string) => Storage } = {}): Promise<{ url: string; pool: pg.Pool; ctx: PipelineContext; dataDir: string }> {
  const { url, pool } = await createTestDatabase();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "framewise-data-"));
  const boss = createBoss(url, { max: 3, supervise: false });
  await boss.start();
  await createQueues(boss);
  afterAll(async () => {
    await boss.stop({ graceful: false, close: true });
    await rm(dataDir, { recursive: true, force: true });
  });
  const ctx = { pool, boss, dataDir, storage: options.storage?.(dataDir) ?? localStorage(dataDir), scratch: new Scratch(path.join(dataDir, "scratch"), 1024 ** 3), frameMaxAttempts: 3 };
  return { url, pool, dataDir, ctx };
}

export async function startTestWorker(url: string, dataDir: string, overrides: Partial<WorkerConfig> = {}) {
  const worker = await startWorker({
    databaseUrl: url,
    dataDir,
    enhancer: { kind: "local" },
    concurrency: 2,
    leaseSeconds: 10,
    sweepIntervalSeconds: 1,
    frameMaxAttempts: 3,
    transcriber: { captions: "off" },
    thumbnailCount: 4,
    ...overrides,
  });
  afterAll(() => worker.stop());
  return worker;
}

export async function videoStatus(pool: pg.Pool, id: string): Promise<string | undefined> {
  const { rows } = await pool.query<{ status: string }>(`SELECT status FROM videos WHERE id = $1`, [id]);
  return rows[0]?.status;
}

/** Uploads a file as a new video (as the upload routes do) and waits until it is completed or failed. */
export async function processUpload(ctx: PipelineContext, file: string, timeoutMs = 90_000): Promise<{ id: string; status: string }> {
  const upload = path.join(ctx.dataDir, `${path.basename(file)}.${Math.random().toString(36).slice(2)}.part`);
  await copyFile(file, upload);
  const { id } = await createVideo(ctx, { tempPath: upload, originalName: path.basename(file), sizeBytes: 1 });
  const status = await waitFor(async () => {
    const s = await videoStatus(ctx.pool, id);
    return s === "completed" || s === "failed" ? s : null;
  }, { timeoutMs, what: `${path.basename(file)} to finish` });
  return { id, status };
}
