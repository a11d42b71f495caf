import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { spawn, type ChildProcess } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startFakeEnhancer } from "@/lib/enhance/fake-service";
import { FramePackReader } from "@/lib/storage/frame-packs";
import { videoKeys } from "@/lib/storage/keys";
import { s3Storage } from "@/lib/storage/s3-storage";
import { inspectFile, makeClip } from "./support/clips";
import { createTestDatabase } from "./support/db";
import { freePort } from "./support/ports";
import { startS3 } from "./support/s3";
import { waitFor } from "./support/wait";
import { spawnWorker, type WorkerProcess } from "./support/worker-process";

// The fleet of the deployment doc on one machine: one PostgreSQL, one
// bucket (s3rver through the AWS SDK v3), two web processes on two ports and
// two worker processes, each with its own empty scratch directory and its
// own DATA_DIR (nothing shared but PostgreSQL and the bucket). A tus upload
// is started through web A and resumed through web B; one worker is killed
// with SIGKILL mid-enhance; the video completes with the source's frames and
// duration, and no frame whose result object was stored is enhanced again.

const TOKEN = "scale-out-token-0123456789";
const auth = { Authorization: `Bearer ${TOKEN}` };

describe("scale out: web A + web B, two workers without a shared disk, one bucket", async () => {
  const { url, pool } = await createTestDatabase();
  const s3 = await startS3("framewise-fleet");
  const storage = s3Storage(s3.settings);
  const fake = await startFakeEnhancer({ latencyMs: 60 });
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const child of children) child.kill("SIGKILL");
    await fake.close();
  });
  const privateDir = (name: string) => mkdtemp(path.join(os.tmpdir(), `framewise-${name}-`));
  const common = { DATABASE_URL: url, ...s3.env, API_TOKEN: TOKEN, CAPTIONS: "off", LOG_LEVEL: "info" };

  async function startWeb(name: string): Promise<string> {
    const port = await freePort();
    // react-server: the route handlers import server-only modules, as under next start.
    const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", path.join(process.cwd(), "test/support/web-process.ts")], {
      env: { ...process.env, NODE_ENV: "test", ...common, PORT: String(port), DATA_DIR: await privateDir(`web-${name}`) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(child);
    const output: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output.push(chunk.toString());
        if (output.join("").includes("web listening")) resolve();
      };
      child.stdout!.on("data", onData);
      child.stderr!.on("data", onData);
      child.on("exit", (code) => reject(new Error(`web ${name} exited (${code}):\n${output.join("")}`)));
    });
    return `http://127.0.0.1:${port}`;
  }

  async function startWorker(name: string): Promise<{ worker: WorkerProcess; scratch: string; dataDir: string }> {
    const scratch = await privateDir(`scratch-${name}`);
    const dataDir = await privateDir(`worker-${name}`);
    const worker = spawnWorker({
      ...common,
      DATA_DIR: dataDir,
      SCRATCH_DIR: scratch,
      SCRATCH_MAX_BYTES: String(64 * 1024 * 1024),
      ENHANCER: "http",
      ENHANCER_URL: fake.url,
      ENHANCER_RATE_LIMIT: "1000",
      ENHANCER_CONCURRENCY: "64",
      WORKER_CONCURRENCY: "4",
      LEASE_SECONDS: "4",
      SWEEP_INTERVAL_SECONDS: "1",
      // At once: the workers' sweep purges the frames of a completed video.
      FRAME_RETENTION_HOURS: "0",
    });
    children.push(worker.child);
    await worker.ready;
    return { worker, scratch, dataDir };
  }

  it("a tus upload through A and B becomes a complete, playable video despite kill -9 of a worker", { timeout: 300_000 }, async () => {
    const [webA, webB] = await Promise.all([startWeb("a"), startWeb("b")]);
    const workers = [await startWorker("1"), await startWorker("2")];

    const clipPath = await makeClip({ path: path.join(await privateDir("clip"), "fleet.mp4"), seconds: 4, width: 320, height: 240, fps: 30, audio: true });
    const clip = await readFile(clipPath);
    const source = await inspectFile(clipPath);
    const tus = { "Tus-Resumable": "1.0.0", ...auth };

    // Start on A ...
    const created = await fetch(`${webA}/api/uploads`, {
      method: "POST",
      headers: { ...tus, "Upload-Length": String(clip.length), "Upload-Metadata": `filename ${Buffer.from("fleet.mp4").toString("base64")}` },
    });
    expect(created.status).toBe(201);
    const location = created.headers.get("location")!;
    const half = Math.floor(clip.length / 2);
    const octets = { ...tus, "Content-Type": "application/offset+octet-stream" };
    const first = await fetch(`${webA}${location}`, { method: "PATCH", headers: { ...octets, "Upload-Offset": "0" }, body: clip.subarray(0, half) });
    expect(first.status).toBe(204);
    // ... resume on B, which has never seen this upload.
    const head = await fetch(`${webB}${location}`, { method: "HEAD", headers: tus });
    expect(head.headers.get("upload-offset")).toBe(String(half));
    const rest = await fetch(`${webB}${location}`, { method: "PATCH", headers: { ...octets, "Upload-Offset": String(half) }, body: clip.subarray(half) });
    expect(rest.status, await rest.clone().text()).toBe(204);
    const videoId = rest.headers.get("video-id")!;
    expect(videoId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await storage.get(videoKeys(videoId).source)).toEqual(clip);

    // Mid-enhance, kill -9 the worker that holds frames.
    const stage = async () => {
      const res = await fetch(`${webA}/api/videos/${videoId}`, { headers: auth });
      return ((await res.json()) as { stages: { name: string; succeeded: number; running: number; total: number }[] }).stages.find((s) => s.name === "enhance")!;
    };
    await waitFor(async () => ((await stage()).succeeded >= 20 ? true : null), { timeoutMs: 120_000, what: "20 frames enhanced" });
    const { rows: holders } = await pool.query<{ pid: number }>(
      `SELECT DISTINCT split_part(worker_id, ':', 2)::int AS pid FROM frame_executions WHERE video_id = $1 AND status = 'running'`,
      [videoId],
    );
    const victim = workers.find((w) => holders.some((h) => h.pid === w.worker.child.pid)) ?? workers[0]!;
    victim.worker.child.kill("SIGKILL");
    await victim.worker.exited;
    const keys = videoKeys(videoId);
    // What was stored at the kill (in the pack each row names, recorded or
    // not): these frames must never be sent again.
    const { rows: named } = await pool.query<{ frame_index: number; result_pack: string }>(
      `SELECT frame_index, result_pack FROM frame_executions WHERE video_id = $1 AND result_pack IS NOT NULL ORDER BY frame_index`,
      [videoId],
    );
    const packs = new FramePackReader(storage);
    const stored: number[] = [];
    for (const r of named) if (await packs.result(videoId, r.frame_index, r.result_pack)) stored.push(r.frame_index);
    const callsAtKill = { ...fake.stats().perKey };
    expect(stored.length).toBeGreaterThanOrEqual(20);

    const done = await waitFor(
      async () => {
        const res = await fetch(`${webB}/api/videos/${videoId}`, { headers: auth });
        const v = (await res.json()) as { status: string };
        return v.status === "completed" || v.status === "failed" ? v : null;
      },
      { timeoutMs: 180_000, what: "the video to complete" },
    );
    expect(done.status, JSON.stringify(done)).toBe("completed");

    // Every frame once (the total is final now: at the kill, extraction may still have been adding frames).
    const frameCount = (await stage()).total;
    expect(frameCount).toBe(source.video?.frames);
    const calls = fake.stats().perKey;
    for (const i of stored) expect(calls[`${videoId}:${i}`], `frame ${i} was stored before the kill`).toBe(callsAtKill[`${videoId}:${i}`]);
    expect(Object.keys(calls).filter((k) => k.startsWith(videoId))).toHaveLength(frameCount);

    // The output, served by web A from the bucket (with Range), equals the source in frames and duration.
    const partial = await fetch(`${webA}/api/videos/${videoId}/output`, { headers: { ...auth, Range: "bytes=0-99" } });
    expect(partial.status).toBe(206);
    expect((await partial.arrayBuffer()).byteLength).toBe(100);
    const out = await fetch(`${webA}/api/videos/${videoId}/output`, { headers: auth });
    expect(out.status).toBe(200);
    const outFile = path.join(await privateDir("out"), "output.mp4");
    await writeFile(outFile, Buffer.from(await out.arrayBuffer()));
    const info = await inspectFile(outFile);
    expect(info.video?.frames).toBe(source.video?.frames);
    expect(Math.abs(info.durationSec - source.durationSec)).toBeLessThanOrEqual(1 / 30 + 0.05);

    // Retention (0 hours here): the surviving worker's sweep purges the frame files, the output stays.
    const purged = await waitFor(
      async () => ((await (await fetch(`${webB}/api/videos/${videoId}`, { headers: auth })).json()) as { framesPurgedAt: string | null }).framesPurgedAt,
      { timeoutMs: 30_000, what: "the frames to be purged" },
    );
    expect(purged).toEqual(expect.any(String));
    expect(await storage.usage(keys.framesPrefix)).toEqual({ objects: 0, bytes: 0 });
    expect(await storage.usage(keys.enhancedPrefix)).toEqual({ objects: 0, bytes: 0 });
    expect(await storage.head(keys.output)).not.toBeNull();

    // Nothing of the video on any worker's disk: scratch is empty, DATA_DIR holds no video.
    for (const w of workers) {
      expect(await readdir(path.join(w.dataDir, "videos")).catch(() => []), w.dataDir).toEqual([]);
      const leftovers = (await readdir(w.scratch, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
      if (w !== victim) expect(leftovers.map((e) => e.name), w.scratch).toEqual([]);
    }
  });
});
