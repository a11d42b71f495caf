import { spawn, type ChildProcess } from "node:child_process";
import { afterAll } from "vitest";
import { workerNodeArgs } from "@/worker/node-args";

export interface WorkerProcess {
  child: ChildProcess;
  output: string[];
  /** Resolves when the worker has logged that it started. */
  ready: Promise<void>;
  exited: Promise<number | null>;
}

const running = new Set<ChildProcess>();
afterAll(() => {
  for (const child of running) child.kill("SIGKILL");
});

/**
 * The environment of a test worker: the fake enhancement service behind the
 * fleet-wide guard, short leases and sweeps so recovery happens within a test.
 */
export function fakeServiceWorkerEnv(opts: { databaseUrl: string; dataDir: string; enhancerUrl: string }): Record<string, string> {
  return {
    DATABASE_URL: opts.databaseUrl,
    DATA_DIR: opts.dataDir,
    ENHANCER: "http",
    ENHANCER_URL: opts.enhancerUrl,
    ENHANCER_RATE_LIMIT: "1000",
    ENHANCER_CONCURRENCY: "64",
    WORKER_CONCURRENCY: "4",
    LEASE_SECONDS: "4",
    SWEEP_INTERVAL_SECONDS: "1",
    FRAME_MAX_ATTEMPTS: "5",
    CAPTIONS: "off",
  };
}

/** `npm run worker`, as a real process (node + tsx's loader), with the given environment. */
export function spawnWorker(env: Record<string, string>): WorkerProcess {
  const child = spawn(process.execPath, workerNodeArgs(process.cwd()), {
    cwd: process.cwd(),
    env: { ...process.env, NODE_ENV: "test", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  const output: string[] = [];
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const onData = (chunk: Buffer) => {
    const text = chunk.toString();
    output.push(text);
    if (/worker .* started/.test(text)) markReady();
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const exited = new Promise<number | null>((resolve) =>
    child.on("exit", (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  return { child, output, ready: Promise.race([ready, exited.then((code) => Promise.reject(new Error(`worker exited (${code}) before it started:\n${output.join("")}`)))]), exited };
}
