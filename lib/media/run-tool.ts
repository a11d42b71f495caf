import { spawn, type ChildProcess } from "node:child_process";
import { constants } from "node:os";
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
  /** No progress for this long kills the tool (outcome `stalled`). */
  stallMs?: number;
  /** Which stdout lines are progress (default: every line). */
  isProgress?: (line: string) => boolean;
  /**
   * The tool dies with this process, even on kill -9 (see DIE_WITH_PARENT).
   * It then runs in its own process group, killed as a whole on abort.
   */
  dieWithParent?: boolean;
}

/**
 * Node cannot ask the kernel to kill a child when its parent dies
 * (PR_SET_PDEATHSIG is not exposed), and ffmpeg keeps running when the pipe
 * it reports progress on is closed (measured: a worker killed -9 left its
 * ffmpeg extracting to the last frame, 5.8 s later). So the tool runs under
 * a small shell: a watcher polls the parent every 0.2 s and kills the tool
 * when the parent is gone; the shell passes the tool's exit status on. Only
 * POSIX sh, kill and sleep are needed. (fd 4: an asynchronous list's stdin
 * is /dev/null, and dash ignores `<&0` there; piped ffmpeg reads frames
 * from stdin, so it is passed on through another descriptor.)
 */
export const DIE_WITH_PARENT = `
parent=$PPID
exec 4<&0
"$@" <&4 4<&- &
tool=$!
( while kill -0 "$parent" 2>/dev/null && kill -0 "$tool" 2>/dev/null; do sleep 0.2; done; kill -KILL "$tool" 2>/dev/null ) </dev/null >/dev/null 2>&1 &
watcher=$!
wait "$tool"
status=$?
kill "$watcher" 2>/dev/null
exit "$status"`;

export type ToolOutcomeKind =
  | "exited" // ran to the end; see exitCode / exitSignal
  | "spawn_failed"
  | "aborted"
  | "timed_out"
  | "stdout_overflow"
  | "stalled" // no progress for stallMs
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
    const wrapped = run.dieWithParent === true && process.platform !== "win32";
    try {
      child = wrapped
        ? spawn("/bin/sh", ["-c", DIE_WITH_PARENT, "sh", run.command, ...run.args], { stdio: ["ignore", "pipe", "pipe"], detached: true })
        : spawn(run.command, run.args, { stdio: ["ignore", "pipe", "pipe"], windowsHide: true });
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
      // Wrapped: the whole group (the shell, the tool and the watcher).
      if (wrapped && child.pid !== undefined) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          child.kill("SIGKILL");
        }
      } else child.kill("SIGKILL");
    };

    const onAbort = () => stop("aborted", run.signal?.reason);
    run.signal?.addEventListener("abort", onAbort, { once: true });
    const timer = run.timeoutMs ? setTimeout(() => stop("timed_out"), run.timeoutMs) : undefined;
    let lastProgress = Date.now();
    const stallCheck = run.stallMs
      ? setInterval(() => {
          if (Date.now() - lastProgress >= run.stallMs!) stop("stalled");
        }, Math.min(1000, run.stallMs))
      : undefined;

    const deliverLine = (line: string) => {
      if (!run.isProgress || run.isProgress(line)) lastProgress = Date.now();
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
      if (!run.isProgress) lastProgress = Date.now();
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
      if (stallCheck) clearInterval(stallCheck);
      // The shell passes a tool killed by signal n on as exit status 128 + n.
      if (wrapped && exitCode !== null && exitCode > 128 && exitCode <= 128 + 64) {
        const code = exitCode;
        const name = Object.entries(constants.signals).find(([, n]) => n === code - 128)?.[0];
        if (name) {
          exitSignal = name as NodeJS.Signals;
          exitCode = null;
        }
      }
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
