import "server-only";
import type pg from "pg";
import { findStoppedVideos } from "./sql/stopped-videos";

/** The reason a video's work was aborted: an operator canceled or deleted it (not our shutdown). */
export class VideoStopped extends Error {
  override readonly name = "VideoStopped";
  constructor(readonly videoId: string) {
    super(`video ${videoId} was canceled or deleted`);
  }
}

export function isVideoStopped(signal: AbortSignal | undefined): boolean {
  return Boolean(signal?.aborted && signal.reason instanceof VideoStopped);
}

/**
 * Cancel and delete are rows in the database; the work they must stop (an
 * ffmpeg extracting frames, calls to the enhancer in flight) runs in some
 * worker, on some machine. Each worker watches the videos it is working on
 * (one query per interval, and only while it has work) and aborts the signal
 * of a video that was canceled or deleted, which kills its ffmpeg and
 * aborts its HTTP calls. Polling rather than LISTEN/NOTIFY: nothing is missed
 * when a connection drops, and the cost is one small query a second.
 */
export class VideoStops {
  private readonly active = new Map<string, { controller: AbortController; users: number }>();
  private timer: NodeJS.Timeout | undefined;
  private checking = false;

  constructor(
    private readonly db: pg.Pool,
    private readonly intervalMs = 1000,
    private readonly log: (message: string) => void = () => {},
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.check(), this.intervalMs);
    this.timer.unref?.();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * A signal that aborts when the video is stopped (reason: VideoStopped) or
   * when `parent` aborts (our shutdown). Call release() when the work is over.
   */
  watch(videoId: string, parent?: AbortSignal): { signal: AbortSignal; release: () => void } {
    let entry = this.active.get(videoId);
    if (!entry) {
      entry = { controller: new AbortController(), users: 0 };
      this.active.set(videoId, entry);
    }
    entry.users++;
    const own = entry;
    let released = false;
    return {
      signal: parent ? AbortSignal.any([own.controller.signal, parent]) : own.controller.signal,
      release: () => {
        if (released) return;
        released = true;
        if (--own.users === 0 && this.active.get(videoId) === own) this.active.delete(videoId);
      },
    };
  }

  /** One look at the database; exposed for tests. */
  async check(): Promise<string[]> {
    if (this.checking || this.active.size === 0) return [];
    this.checking = true;
    try {
      const stopped = await findStoppedVideos(this.db, [...this.active.keys()]);
      for (const id of stopped) {
        const entry = this.active.get(id);
        if (entry && !entry.controller.signal.aborted) {
          entry.controller.abort(new VideoStopped(id));
          this.log(`video ${id} was canceled or deleted: its work here is stopped`);
        }
      }
      return stopped;
    } catch {
      return []; // the database is unreachable: look again at the next interval
    } finally {
      this.checking = false;
    }
  }
}
