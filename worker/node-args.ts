import path from "node:path";

/**
 * How a worker process is started by `npm start`, the tests and the
 * benchmarks (`npm run worker` passes the same flags).
 *
 * --initial-old-space-size: a worker's live heap is small (~30 MB) while
 * frames stream through it as Buffers (~1 GB of them for a one-minute 720p
 * video). V8 starts with an old-generation limit so close to that heap that
 * the slack is smaller than the young generation, and it then keeps
 * incremental marking going: 35 full collections for a 20 s clip, and 5.8 s
 * of the worker's CPU where 4.1 s did with the limit at 128 MB (4 full
 * collections; bench/video.ts). The limit is a starting point, not a cap.
 */
export const WORKER_NODE_FLAGS = ["--conditions=react-server", "--initial-old-space-size=128"];

export function workerNodeArgs(root: string): string[] {
  return [...WORKER_NODE_FLAGS, "--import", "tsx", path.join(root, "worker", "main.ts")];
}
