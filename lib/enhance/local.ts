import os from "node:os";
import { ffmpegPath } from "@/lib/media/binaries";
import { FilterProcessGone, FrameFilterProcess, filterFrameAlone, type FrameFilterOptions } from "@/lib/media/frame-filter";
import { readJpegShape } from "@/lib/media/jpeg-shape";
import type { Enhancer } from "./enhancer";
import { EnhanceError } from "./errors";

// Sharpen, then stretch contrast around mid-grey and lift brightness, on the
// luma plane: libvips' fast mild sharpen mask (-1 around a centre of 32, over
// 24), then out = 1.08 * in + 128 * (1 - 1.08) + 4 on full-range luma (our
// extracted frames are full-range JPEGs). Chroma passes through untouched.
//
// It runs in long-lived ffmpeg processes (lib/media/frame-filter.ts), at
// ~7 ms of CPU per 720p frame. The libvips version (decode to RGB, convolve
// three bands, encode) cost 21-34 ms, the convolution alone ~17 ms, which
// made enhancement the bulk of a video's CPU (measured with bench/video.ts).
export const LOCAL_ENHANCE_FILTER =
  "convolution=0m='-1 -1 -1 -1 32 -1 -1 -1 -1':0rdiv=1/24:1m='0 0 0 0 1 0 0 0 0':2m='0 0 0 0 1 0 0 0 0'," +
  // 128 * (1 - 1.08) + 4 = -6.24
  "lutyuv=y='clip(val*1.08-6.24,0,255)'";

// The result is an intermediate that encode decodes once: the extraction's
// own quality (-q:v 2), so enhancement adds no visible loss of its own.
const QSCALE = 3;

// A process keeps one core busy; more than one per core only queues.
const PROCESSES_PER_SHAPE = Math.max(1, os.availableParallelism());
const IDLE_CLOSE_MS = 15_000;
// Enhancing is throughput work: frames wait in the queue anyway. The early
// encode, which follows the last enhanced frame and is what the operator
// waits for at the end, goes first when both want the CPU.
const NICE = 10;

export function createLocalEnhancer(options: { processes?: number; command?: string } = {}): Enhancer {
  const filterOptions = (): FrameFilterOptions => ({ command: options.command ?? ffmpegPath(), filter: LOCAL_ENHANCE_FILTER, qscale: QSCALE, nice: NICE });
  const maxProcesses = options.processes ?? PROCESSES_PER_SHAPE;
  // Processes by frame shape (size and chroma layout): ffmpeg would scale a
  // frame of another size to the first frame's size without a word.
  const pools = new Map<string, FrameFilterProcess[]>();
  let reaper: NodeJS.Timeout | null = null;

  const reap = () => {
    for (const [shape, pool] of pools) {
      const kept = pool.filter((p) => {
        if (p.alive && (p.inFlight > 0 || Date.now() - p.lastUsedAt < IDLE_CLOSE_MS)) return true;
        p.close();
        return false;
      });
      if (kept.length > 0) pools.set(shape, kept);
      else pools.delete(shape);
    }
    if (pools.size === 0 && reaper) {
      clearInterval(reaper);
      reaper = null;
    }
  };

  const processFor = (shape: string): FrameFilterProcess => {
    const pool = (pools.get(shape) ?? []).filter((p) => p.alive);
    pools.set(shape, pool);
    const idlest = pool.reduce<FrameFilterProcess | null>((best, p) => (best && best.inFlight <= p.inFlight ? best : p), null);
    if (idlest && (idlest.inFlight === 0 || pool.length >= maxProcesses)) return idlest;
    const started = new FrameFilterProcess(filterOptions());
    pool.push(started);
    if (!reaper) {
      reaper = setInterval(reap, IDLE_CLOSE_MS / 3);
      reaper.unref();
    }
    return started;
  };

  return {
    name: "local",
    async enhance({ image, width, height, signal }) {
      signal?.throwIfAborted();
      const shape = readJpegShape(image);
      if (!shape) throw imageError("the frame is not a JPEG image");
      if (!shape.complete) throw imageError("the frame is truncated (no end-of-image marker)");
      if (shape.width !== width || shape.height !== height) throw imageError(`frame is ${shape.width}x${shape.height}, expected ${width}x${height}`);

      let out: Buffer;
      try {
        out = await whenNotAborted(processFor(`${width}x${height}/${shape.sampling}`).run(image), signal);
      } catch (error) {
        if (!(error instanceof FilterProcessGone)) throw error;
        // The shared process died with this frame in flight; this frame or
        // another one in flight killed it. Alone, the answer is this frame's.
        try {
          out = await whenNotAborted(filterFrameAlone(filterOptions(), image), signal);
        } catch (alone) {
          if (!(alone instanceof FilterProcessGone)) throw alone;
          throw imageError(`ffmpeg could not enhance the frame: ${alone.stderr.split("\n").at(-1) || alone.message}`, alone);
        }
      }
      const result = readJpegShape(out);
      if (!result || result.width !== width || result.height !== height) throw imageError(`ffmpeg returned a ${result ? `${result.width}x${result.height}` : "non-JPEG"} frame, expected ${width}x${height}`);
      return out;
    },
  };
}

// Anything wrong with a frame's bytes will be wrong again on the next attempt.
function imageError(message: string, cause?: unknown): EnhanceError {
  return new EnhanceError({ errorClass: "ImageError", message, retryable: false, cause });
}

/**
 * The frame's result, or an Aborted error as soon as the signal fires. The
 * frame stays in the process and its result is dropped when it comes: a
 * process cannot take one frame back.
 */
function whenNotAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new EnhanceError({ errorClass: "Aborted", message: "the enhancement was aborted", retryable: true, cause: signal.reason }));
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
