import { spawn } from "node:child_process";
import { TranscriptionError, type TranscriptionErrorClass } from "./errors";

// One external program run (ffmpeg, whisper-cli, pocketsphinx): output read
// line by line so callers can report progress, stderr kept as a bounded tail
// for the error metadata, the process killed when the signal aborts.

const STDERR_TAIL_BYTES = 16 * 1024;

export interface RunProcessOptions {
  signal?: AbortSignal;
  onStdoutLine?: (line: string) => void;
  onStderrLine?: (line: string) => void;
  /** Names the program in errors ("ffmpeg", "whisper-cpp"). */
  transcriber: string;
  errorClass?: TranscriptionErrorClass;
}

export interface RunProcessResult {
  stderrTail: string;
  durationMs: number;
}

export function runProcess(command: string, args: readonly string[], options: RunProcessOptions): Promise<RunProcessResult> {
  const { signal, transcriber } = options;
  signal?.throwIfAborted();
  const startedAt = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], signal, killSignal: "SIGKILL" });
    let stderrTail = "";
    const lines = (onLine: ((line: string) => void) | undefined, onChunk?: (chunk: string) => void) => {
      let partial = "";
      return (chunk: Buffer) => {
        const text = chunk.toString("utf8");
        onChunk?.(text);
        if (!onLine) return;
        const parts = (partial + text).split(/\r?\n|\r/);
        partial = parts.pop() ?? "";
        for (const line of parts) onLine(line);
      };
    };
    child.stdout.on("data", lines(options.onStdoutLine));
    child.stderr.on(
      "data",
      lines(options.onStderrLine, (text) => {
        stderrTail = (stderrTail + text).slice(-STDERR_TAIL_BYTES);
      }),
    );
    child.on("error", (error: NodeJS.ErrnoException) => {
      if (signal?.aborted) return reject(signal.reason ?? error);
      reject(
        new TranscriptionError(
          {
            class: "TranscriberConfigError",
            message: error.code === "ENOENT" ? `${command}: program not found` : `${command}: ${error.message}`,
            retryable: false,
            transcriber,
          },
          { cause: error },
        ),
      );
    });
    child.on("close", (code, killedBy) => {
      const durationMs = Date.now() - startedAt;
      if (signal?.aborted) return reject(signal.reason);
      if (code === 0) return resolve({ stderrTail, durationMs });
      // The line that says why: the last one mentioning an error, else the last one.
      const lines = stderrTail.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
      const lastLine = lines.findLast((l) => /error|fail|invalid|cannot|no such/i.test(l)) ?? lines.at(-1) ?? "";
      reject(
        new TranscriptionError({
          class: options.errorClass ?? "TranscriberProcessError",
          message: `${command.split("/").pop()} exited with ${code ?? killedBy}${lastLine ? `: ${lastLine.slice(0, 300)}` : ""}`,
          // A crash (signal) may be the machine (OOM); a clean non-zero exit is the input or the setup.
          retryable: code === null,
          transcriber,
          exitCode: code,
          stderrExcerpt: stderrTail,
          durationMs,
        }),
      );
    });
  });
}
