import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createPool } from "@/lib/db/client";
import { startEmbeddedDatabase, type EmbeddedDatabase } from "@/lib/db/embedded";
import { migrate } from "@/lib/db/migrate";
import { startFakeEnhancer } from "@/lib/enhance/fake-service";
import type { PipelineContext } from "@/lib/pipeline/context";
import { localStorage } from "@/lib/storage/local-storage";
import { Scratch } from "@/lib/storage/scratch";
import { createBoss, createQueues } from "@/lib/queue/boss";
import { seedEnhancingVideo, stageRow, startEnhance } from "./support/seed";
import { freePort } from "./support/ports";
import { waitFor } from "./support/wait";
import { fakeServiceWorkerEnv, spawnWorker } from "./support/worker-process";


// A server of its own: restarting the shared test server would break the
// other test files running at the same time.
describe("PostgreSQL restarted mid-run", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "framewise-restart-"));
  await chmod(dir, 0o755);
  const port = await freePort();
  const opts = { dataDir: path.join(dir, "pg"), port, database: "framewise" };
  let db: EmbeddedDatabase = await startEmbeddedDatabase(opts);
  await migrate(db.url);
  const pool = createPool(db.url, 4);
  const boss = createBoss(db.url, { supervise: false });
  boss.on("error", () => {});
  await boss.start();
  await createQueues(boss);
  const ctx: PipelineContext = { pool, boss, dataDir: path.join(dir, "data"), storage: localStorage(path.join(dir, "data")), scratch: new Scratch(path.join(dir, "scratch"), 1024 ** 3), frameMaxAttempts: 5 };
  const fake = await startFakeEnhancer({ latencyMs: 30 });
  afterAll(async () => {
    await boss.stop({ graceful: false, close: true }).catch(() => {});
    await pool.end().catch(() => {});
    await fake.close();
    await db.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("workers recover without a restart of their own and the video completes", async () => {
    const id = await seedEnhancingVideo(ctx, { frames: 150 });
    const env = fakeServiceWorkerEnv({ databaseUrl: db.url, dataDir: ctx.dataDir, enhancerUrl: fake.url });
    const workers = [spawnWorker(env), spawnWorker(env)];
    await Promise.all(workers.map((w) => w.ready));
    await startEnhance(ctx, id);
    await waitFor(async () => (await stageRow(ctx, id, "enhance")).succeeded >= 30, { what: "30 frames done" });

    await db.stop();
    await new Promise((r) => setTimeout(r, 2000));
    db = await startEmbeddedDatabase(opts);

    const enhance = await waitFor(
      async () => {
        const s = await stageRow(ctx, id, "enhance").catch(() => null);
        return s && (s.status === "succeeded" || s.status === "failed") ? s : null;
      },
      { timeoutMs: 150_000, what: "the enhance stage to finish after the restart", describe: async () => `${JSON.stringify(await stageRow(ctx, id, "enhance"))}\nworker output:\n${workers.map((w) => w.output.join("").slice(-3000)).join("\n---\n")}` },
    );
    expect(enhance).toMatchObject({ status: "succeeded", succeeded: 150, failed: 0 });
    for (const w of workers) expect(w.child.exitCode, w.output.join("")).toBeNull();
    const perKey = Object.entries(fake.stats().perKey).filter(([k]) => k.startsWith(id));
    expect(perKey).toHaveLength(150);
    for (const w of workers) {
      w.child.kill("SIGTERM");
      await w.exited;
    }
  }, 240_000);
});
