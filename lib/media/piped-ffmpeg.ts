import { spawn } from "node:child_process";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { ffmpegPath } from "./binaries";
import { MediaError, STDERR_TAIL_BYTES } from "./errors";
import { env } from "@/lib/env";
import { DIE_WITH_PARENT, lastLine } from "./run-tool";

// ffmpeg with its data on pipes instead of files, for a worker that has no
// shared disk: frames come out of stdout (image2pipe) and go straight to
// storage, or go in through stdin (image2pipe) straight from storage, the
// output comes out of stdout into a streamed upload. Backpressure does the
// bounding: when storage is slower than ffmpeg, the pipe fills and ffmpeg
// waits. Progress (`-progress`) comes on fd 3, since stdout carries data.
// As in run-tool.ts, ffmpeg runs under a small shell that kills it when the
// worker dies (even by kill -9), in a process group killed as a whole, and
// one that makes no progress for FFMPEG_STALL_SECONDS is stopped.

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
  /** No progress for this long stops ffmpeg (ffmpeg_stalled); default FFMPEG_STALL_SECONDS, 0 = never. */
  stallSeconds?: number;
}): PipedFfmpeg {
  const { what, signal } = options;
  if (signal?.aborted) {
    // Never started: nothing to kill, nothing half-written.
    const done = Promise.reject(new MediaError("aborted", `ffmpeg ${what} was canceled`));
    done.catch(() => {});
    return { stdout: Readable.from([]), done, fail: () => {} };
  }
  const ffmpegArgs = ["-hide_banner", "-v", "error", "-y", "-nostats", "-progress", "pipe:3", ...(options.stdin ? [] : ["-nostdin"]), ...options.args];
  const child = spawn("/bin/sh", ["-c", DIE_WITH_PARENT, "sh", ffmpegPath(), ...ffmpegArgs], {
    stdio: [options.stdin ? "pipe" : "ignore", "pipe", "pipe", "pipe"],
    detached: true,
  });
  let failure: unknown;
  let frames = 0;
  let stderrTail = "";
  const stop = (error: unknown) => {
    failure ??= error;
    try {
      // The whole group: the shell, ffmpeg and the watcher.
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      else child.kill("SIGKILL");
    } catch {
      child.kill("SIGKILL");
    }
  };
  const stallSeconds = options.stallSeconds ?? env().FFMPEG_STALL_SECONDS;
  let lastProgress = Date.now();
  const stallCheck =
    stallSeconds > 0
      ? setInterval(() => {
          if (Date.now() - lastProgress >= stallSeconds * 1000) stop(new MediaError("ffmpeg_stalled", `ffmpeg ${what} made no progress for ${stallSeconds} s and was stopped`));
        }, Math.min(1000, stallSeconds * 1000))
      : undefined;
  const onAbort = () => stop(new MediaError("aborted", `ffmpeg ${what} was canceled`));
  signal?.addEventListener("abort", onAbort, { once: true });

  child.stderr!.on("data", (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString("utf8")).slice(-STDERR_TAIL_BYTES);
  });
  let progressLine = "";
  (child.stdio[3] as Readable).on("data", (chunk: Buffer) => {
    lastProgress = Date.now();
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
    child.on("close", (code, shellSignal) => {
      signal?.removeEventListener("abort", onAbort);
      if (stallCheck) clearInterval(stallCheck);
      // The shell passes an ffmpeg killed by signal n on as exit status 128 + n.
      const exitSignal = shellSignal ?? (code !== null && code > 128 && code <= 192 ? `signal ${code - 128}` : null);
      if (failure !== undefined) return reject(failure);
      if (code === 0) return resolve({ frames });
      const detail = stderrTail.trim() || undefined;
      reject(new MediaError("ffmpeg_failed", `ffmpeg ${what} failed: ${lastLine(stderrTail) || (exitSignal ? `killed by ${exitSignal}` : `exit code ${code}`)}`, { detail }));
    });
  });
  return { stdout: child.stdout!, done, fail: stop };
}
