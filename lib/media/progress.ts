// Progress from ffmpeg's `-progress pipe:1` output: blocks of key=value lines,
// each ending with `progress=continue` (or `progress=end`). `frame=` is the
// number of frames written so far, which is the honest measure for both
// frame extraction and encoding (time-based progress lies for VFR input).

export type ProgressCallback = (done: number, totalEstimate: number) => void | Promise<void>;

export interface ProgressReporter {
  /** Feed one stdout line; may call the callback (throttled). */
  line(line: string): void | Promise<void>;
  /** Report the final count regardless of throttling. */
  finish(done: number, total?: number): void | Promise<void>;
  /** Last frame count ffmpeg reported. */
  readonly frames: number;
}

export function createProgressReporter(options: {
  totalEstimate: number;
  onProgress?: ProgressCallback;
  /** Minimum time between two callbacks (default 250 ms). */
  intervalMs?: number;
  now?: () => number;
}): ProgressReporter {
  const interval = options.intervalMs ?? 250;
  const now = options.now ?? Date.now;
  let frames = 0;
  let lastDone = -1;
  let lastTotal = -1;
  let lastAt = -Infinity;
  let total = Math.max(0, Math.round(options.totalEstimate));

  const emit = (done: number, force: boolean) => {
    // The estimate is a guess (nb_frames or duration * fps): never let the
    // bar pass 100%, and never go backwards.
    if (done > total) total = done;
    if (!options.onProgress || done < lastDone || (done === lastDone && total === lastTotal)) return;
    if (!force && now() - lastAt < interval) return;
    lastDone = done;
    lastTotal = total;
    lastAt = now();
    return options.onProgress(done, total);
  };

  return {
    get frames() {
      return frames;
    },
    line(line) {
      const eq = line.indexOf("=");
      if (eq < 0) return;
      const key = line.slice(0, eq).trim();
      const value = line.slice(eq + 1).trim();
      if (key === "frame") {
        const n = Number(value);
        if (Number.isFinite(n) && n >= frames) frames = n;
      } else if (key === "progress" && frames > 0) {
        return emit(frames, false);
      }
    },
    finish(done, finalTotal) {
      if (finalTotal !== undefined) total = finalTotal;
      return emit(done, true);
    },
  };
}
