import { spawn, type ChildProcess } from "node:child_process";
import { STDERR_TAIL_BYTES } from "./errors";

// Runs ffmpeg or ffprobe and always resolves (never rejects) with what
// happened, so every caller maps outcomes to a MediaError in one place and no
// child-process error can escape as an unhandled rejection or an uncaught
// 'error' event. stdin is closed ('ignore'): ffprobe has no -nostdin, and a
// tool reading the worker's stdin would steal or block on it.

export interface ToolRun {
  command: string;
  args: readonly string[];
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Called per stdout line (progress output); stdout is then not collected. */
  onStdoutLine?: (line: string) => void | Promise<void>;
  /** Collected stdout larger than this kills the tool (outcome `stdout_overflow`). */
  maxStdoutBytes?: number;
}

export type ToolOutcomeKind =
  | "exited" // ran to the end; see exitCode / exitSignal
  | "spawn_failed"
  | "aborted"
  | "timed_out"
  | "stdout_overflow"
  | "callback_failed"; // onStdoutLine threw; `error` holds what it threw

export interface ToolOutcome {
  kind: ToolOutcomeKind;
  exitCode: number | null;
  exitSignal: NodeJS.Signals | null;
  stdout: string;
  /** The last STDERR_TAIL_BYTES of stderr. */
  stderrTail: string;
  error?: unknown;
}

const DEFAULT_MAX_STDOUT = 8 * 1024 * 1024;

export function runTool(run: ToolRun): Promise<ToolOutcome> {
  const empty = { exitCode: null, exitSignal: null, stdout: "", stderrTail: "" };
  if (run.signal?.aborted) return Promise.resolve({ kind: "aborted", ...empty, error: run.signal.reason });

  return new Promise<ToolOutcome>((resolve) => {
    let child: ChildProcess;
    try {
      child = spawn(run.command, run.args, { stdio: ["ignore", "pipe", "pipe"], windowsHide: true });
    } catch (error) {
      resolve({ kind: "spawn_failed", ...empty, error });
      return;
    }

    let stopped: { kind: ToolOutcomeKind; error?: unknown } | undefined;
    let spawnError: Error | undefined;
    let settled = false;
    const stdoutChunks: Buffer[] = [];
    let stdoutBytes = 0;
    let stdoutLineBuffer = "";
    let stderrTail = Buffer.alloc(0);
    const maxStdout = run.maxStdoutBytes ?? DEFAULT_MAX_STDOUT;

    const stop = (kind: ToolOutcomeKind, error?: unknown) => {
      if (stopped || settled) return;
      stopped = { kind, error };
      // SIGKILL: nothing ffmpeg would flush on SIGTERM is worth keeping, since
      // callers write to temp files or directories they clear before a rerun.
      child.kill("SIGKILL");
    };

    const onAbort = () => stop("aborted", run.signal?.reason);
    run.signal?.addEventListener("abort", onAbort, { once: true });
    const timer = run.timeoutMs ? setTimeout(() => stop("timed_out"), run.timeoutMs) : undefined;

    const deliverLine = (line: string) => {
      if (stopped || !run.onStdoutLine) return;
      try {
        const result = run.onStdoutLine(line);
        if (result && typeof result.then === "function") result.then(undefined, (error) => stop("callback_failed", error));
      } catch (error) {
        stop("callback_failed", error);
      }
    };

    child.stdout!.on("data", (chunk: Buffer) => {
      if (run.onStdoutLine) {
        stdoutLineBuffer += chunk.toString("utf8");
        let newline: number;
        while ((newline = stdoutLineBuffer.indexOf("\n")) >= 0) {
          deliverLine(stdoutLineBuffer.slice(0, newline).replace(/\r$/, ""));
          stdoutLineBuffer = stdoutLineBuffer.slice(newline + 1);
        }
        return;
      }
      stdoutBytes += chunk.length;
      if (stdoutBytes > maxStdout) return stop("stdout_overflow");
      stdoutChunks.push(chunk);
    });

    child.stderr!.on("data", (chunk: Buffer) => {
      stderrTail = Buffer.concat([stderrTail, chunk]);
      if (stderrTail.length > STDERR_TAIL_BYTES) stderrTail = stderrTail.subarray(stderrTail.length - STDERR_TAIL_BYTES);
    });

    const finish = (exitCode: number | null, exitSignal: NodeJS.Signals | null) => {
      if (settled) return;
      if (stdoutLineBuffer) deliverLine(stdoutLineBuffer);
      settled = true;
      if (timer) clearTimeout(timer);
      run.signal?.removeEventListener("abort", onAbort);
      const base = {
        exitCode,
        exitSignal,
        stdout: Buffer.concat(stdoutChunks).toString("utf8"),
        stderrTail: stderrTail.toString("utf8").replace(/^\uFFFD+/, ""),
      };
      if (spawnError && child.pid === undefined) resolve({ kind: "spawn_failed", ...base, error: spawnError });
      else if (stopped) resolve({ kind: stopped.kind, ...base, error: stopped.error });
      else resolve({ kind: "exited", ...base });
    };

    child.on("error", (error) => {
      spawnError = error;
      // Node emits 'close' after a failed spawn too; settle here in case a
      // platform does not, finish() ignores the second call.
      if (child.pid === undefined) finish(null, null);
    });
    // 'close' (not 'exit'): stdout and stderr are fully read by then.
    child.on("close", (code, signal) => finish(code, signal));
  });
}

/** The last non-empty line of a stderr excerpt, for a one-line message. */
export function lastLine(text: string): string {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  return lines.at(-1) ?? "";
}
