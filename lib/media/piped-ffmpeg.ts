import { spawn } from "node:child_process";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { ffmpegPath } from "./binaries";
import { MediaError, STDERR_TAIL_BYTES } from "./errors";
import { lastLine } from "./run-tool";

// ffmpeg with its data on pipes instead of files, for a worker that has no
// shared disk: frames come out of stdout (image2pipe) and go straight to
// storage, or go in through stdin (image2pipe) straight from storage, the
// output comes out of stdout into a streamed upload. Backpressure does the
// bounding: when storage is slower than ffmpeg, the pipe fills and ffmpeg
// waits. Progress (`-progress`) comes on fd 3, since stdout carries data.

export interface PipedFfmpeg {
  stdout: Readable;
  /** Resolves with the last `frame=` progress count when ffmpeg exits 0. */
  done: Promise<{ frames: number }>;
  /** Kills ffmpeg (a consumer failed); done then rejects with this error. */
  fail(error: unknown): void;
}

export function runPipedFfmpeg(options: {
  what: string;
  args: string[];
  stdin?: AsyncIterable<Buffer>;
  signal?: AbortSignal;
  onFrames?: (frames: number) => void;
}): PipedFfmpeg {
  const { what, signal } = options;
  if (signal?.aborted) {
    // Never started: nothing to kill, nothing half-written.
    const done = Promise.reject(new MediaError("aborted", `ffmpeg ${what} was canceled`));
    done.catch(() => {});
    return { stdout: Readable.from([]), done, fail: () => {} };
  }
  const child = spawn(ffmpegPath(), ["-hide_banner", "-v", "error", "-y", "-nostats", "-progress", "pipe:3", ...(options.stdin ? [] : ["-nostdin"]), ...options.args], {
    stdio: [options.stdin ? "pipe" : "ignore", "pipe", "pipe", "pipe"],
    windowsHide: true,
  });
  let failure: unknown;
  let frames = 0;
  let stderrTail = "";
  const stop = (error: unknown) => {
    failure ??= error;
    child.kill("SIGKILL");
  };
  const onAbort = () => stop(new MediaError("aborted", `ffmpeg ${what} was canceled`));
  signal?.addEventListener("abort", onAbort, { once: true });

  child.stderr!.on("data", (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString("utf8")).slice(-STDERR_TAIL_BYTES);
  });
  let progressLine = "";
  (child.stdio[3] as Readable).on("data", (chunk: Buffer) => {
    progressLine += chunk.toString("utf8");
    let nl: number;
    while ((nl = progressLine.indexOf("\n")) >= 0) {
      const line = progressLine.slice(0, nl).trim();
      progressLine = progressLine.slice(nl + 1);
      if (line.startsWith("frame=")) {
        const n = Number(line.slice(6));
        if (Number.isFinite(n) && n > frames) {
          frames = n;
          options.onFrames?.(n);
        }
      }
    }
  });
  if (options.stdin) {
    // ffmpeg closing its stdin early (it failed) is reported by its exit, not as EPIPE here.
    pipeline(options.stdin, child.stdin!).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE" && error.code !== "ERR_STREAM_PREMATURE_CLOSE") stop(error);
    });
  }
  const done = new Promise<{ frames: number }>((resolve, reject) => {
    child.on("error", (error) => stop(new MediaError("ffmpeg_failed", `ffmpeg ${what} could not start: ${error.message}`, { cause: error })));
    child.on("close", (code, exitSignal) => {
      signal?.removeEventListener("abort", onAbort);
      if (failure !== undefined) return reject(failure);
      if (code === 0) return resolve({ frames });
      const detail = stderrTail.trim() || undefined;
      reject(new MediaError("ffmpeg_failed", `ffmpeg ${what} failed: ${lastLine(stderrTail) || (exitSignal ? `killed by ${exitSignal}` : `exit code ${code}`)}`, { detail }));
    });
  });
  return { stdout: child.stdout!, done, fail: stop };
}
