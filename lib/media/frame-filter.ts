import { spawn, type ChildProcessByStdio } from "node:child_process";
import os from "node:os";
import type { Readable, Writable } from "node:stream";
import { STDERR_TAIL_BYTES } from "./errors";
import { JPEG_DECODE_ARGS } from "./jpeg-stream";

// One long-lived ffmpeg that runs JPEG frames through a filter graph, one at
// a time, in order: a frame written to stdin comes back enhanced on stdout.
// Starting ffmpeg costs ~50 ms of CPU, more than the work on one frame
// (~7 ms for a 720p frame here), so the process is kept and fed frame after
// frame.
//
// Framing: MIME multipart (ffmpeg's mpjpeg demuxer and muxer), because each
// part carries its length. With image2pipe the JPEG parser only knows a
// frame has ended when the next one starts, so the last frame written would
// wait for another. With one thread per step and a tiny probe, frame 1
// comes out before frame 2 is written (checked by frame-filter.test.ts).
//
// Order is the only link between a frame in and a frame out, so nothing may
// be dropped: -xerror makes ffmpeg exit on a frame it cannot decode instead
// of skipping it, and passthrough timing never drops or duplicates frames.
// When the process dies, every frame in flight is rejected with
// FilterProcessGone and the caller runs each again alone (filterFrameAlone),
// which pins the failure on the frame that caused it.

export interface FrameFilterOptions {
  /** The ffmpeg binary. */
  command: string;
  /** An ffmpeg -vf filter graph. */
  filter: string;
  /** -q:v of the JPEG written (2 = best, 31 = worst). */
  qscale: number;
  /** No frame out for this long while frames are in flight kills the process. */
  stallMs?: number;
  /** A niceness to run at (0-19: lower priority than the worker's other work). */
  nice?: number;
}

/** The process died (or was killed) with frames in flight. */
export class FilterProcessGone extends Error {
  override readonly name = "FilterProcessGone";
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(message);
  }
}

interface Waiting {
  resolve: (jpeg: Buffer) => void;
  reject: (error: Error) => void;
}

const BOUNDARY = "ffmpeg";
const DEFAULT_STALL_MS = 60_000;

export class FrameFilterProcess {
  private readonly child: ChildProcessByStdio<Writable, Readable, Readable>;
  private readonly waiting: Waiting[] = [];
  private readonly reader = new MultipartReader();
  private stderr = "";
  private gone: FilterProcessGone | null = null;
  private lastOutputAt = Date.now();
  private readonly stallTimer: NodeJS.Timeout;
  lastUsedAt = Date.now();

  constructor(private readonly options: FrameFilterOptions) {
    // prettier-ignore
    const args = [
      "-hide_banner", "-nostdin", "-v", "error", "-xerror",
      "-probesize", "32", "-analyzeduration", "0", "-fpsprobesize", "0",
      "-threads", "1", ...JPEG_DECODE_ARGS, "-f", "mpjpeg", "-i", "pipe:0",
      "-filter_threads", "1", "-vf", options.filter, "-fps_mode", "passthrough",
      // Standard Huffman tables: optimal ones cost a second pass over every
      // frame's coefficients (~0.4 ms of a 720p frame) for files ~12% smaller.
      "-threads", "1", "-c:v", "mjpeg", "-q:v", String(options.qscale), "-huffman", "default",
      "-f", "mpjpeg", "-boundary_tag", BOUNDARY, "-flush_packets", "1", "pipe:1",
    ];
    this.child = spawn(options.command, args, { stdio: ["pipe", "pipe", "pipe"] });
    if (options.nice && this.child.pid !== undefined) {
      try {
        os.setPriority(this.child.pid, options.nice);
      } catch {
        // Not allowed here (or already gone): it runs at normal priority.
      }
    }
    this.child.on("error", (error) => this.die(`ffmpeg could not run: ${error.message}`));
    // "close", not "exit": by then stderr has been read to the end.
    this.child.on("close", (code, signal) => this.die(signal ? `ffmpeg was killed (${signal})` : `ffmpeg exited with status ${code}`));
    // A write after the process died fails with EPIPE; die() has rejected everything already.
    this.child.stdin.on("error", () => {});
    this.child.stderr.on("data", (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString("utf8")).slice(-STDERR_TAIL_BYTES);
    });
    this.child.stdout.on("data", (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = this.reader.push(chunk);
      } catch (error) {
        this.kill(`unreadable output from ffmpeg: ${(error as Error).message}`);
        return;
      }
      for (const frame of frames) {
        this.lastOutputAt = Date.now();
        const next = this.waiting.shift();
        if (!next) {
          this.kill("ffmpeg returned a frame nobody sent");
          return;
        }
        next.resolve(frame);
      }
    });
    this.stallTimer = setInterval(() => {
      const stallMs = this.options.stallMs ?? DEFAULT_STALL_MS;
      if (this.waiting.length > 0 && Date.now() - this.lastOutputAt > stallMs) this.kill(`no frame out of ffmpeg for ${stallMs} ms`);
    }, 1000);
    this.stallTimer.unref();
  }

  /** Frames written and not yet returned. */
  get inFlight(): number {
    return this.waiting.length;
  }

  get alive(): boolean {
    return this.gone === null;
  }

  /** The frame through the filter graph, as a JPEG. Rejects with FilterProcessGone when the process dies first. */
  run(jpeg: Buffer): Promise<Buffer> {
    if (this.gone) return Promise.reject(this.gone);
    this.lastUsedAt = Date.now();
    if (this.waiting.length === 0) this.lastOutputAt = Date.now();
    return new Promise<Buffer>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      const header = `--${BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: ${jpeg.length}\r\n\r\n`;
      this.child.stdin.write(header);
      this.child.stdin.write(jpeg);
      this.child.stdin.write("\r\n");
    });
  }

  /** No more frames: ffmpeg finishes the ones in flight and exits. */
  close(): void {
    this.child.stdin.end();
  }

  kill(reason: string): void {
    this.die(reason);
    this.child.kill("SIGKILL");
  }

  private die(reason: string): void {
    if (this.gone) return;
    clearInterval(this.stallTimer);
    this.gone = new FilterProcessGone(reason, this.stderr.trim());
    for (const w of this.waiting.splice(0)) w.reject(this.gone);
  }
}

/** One frame through a process of its own: used to tell which frame made a shared process die. */
export async function filterFrameAlone(options: FrameFilterOptions, jpeg: Buffer): Promise<Buffer> {
  const process = new FrameFilterProcess(options);
  try {
    const out = process.run(jpeg);
    process.close();
    return await out;
  } finally {
    process.kill("done");
  }
}

/**
 * ffmpeg's mpjpeg output: `--ffmpeg`, headers with Content-length, a blank
 * line, the JPEG, CRLF; part after part.
 */
class MultipartReader {
  private buffer: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const parts: Buffer[] = [];
    for (;;) {
      let start = 0;
      while (this.buffer[start] === 0x0d || this.buffer[start] === 0x0a) start++;
      const headerEnd = this.buffer.indexOf("\r\n\r\n", start);
      if (headerEnd < 0) {
        if (this.buffer.length - start > 4096) throw new Error("a part header longer than 4 KiB");
        break;
      }
      const header = this.buffer.subarray(start, headerEnd).toString("latin1");
      if (!header.startsWith(`--${BOUNDARY}`)) throw new Error("a part without the boundary");
      const length = /content-length:\s*(\d+)/i.exec(header);
      if (!length) throw new Error("a part without Content-Length");
      const bodyStart = headerEnd + 4;
      const bodyEnd = bodyStart + Number(length[1]);
      if (this.buffer.length < bodyEnd) break;
      // A view, not a copy (fewer bytes for the garbage collector to account
      // for); it keeps the chunk it lies in alive only as long as the frame.
      parts.push(this.buffer.subarray(bodyStart, bodyEnd));
      this.buffer = this.buffer.subarray(bodyEnd);
    }
    return parts;
  }
}
