import type { VideoDetail } from "./types";

// The enhance pace over the last seconds of polls, per video. The server's
// throughput is the average since the stage started, which a pause (an open
// breaker, a Retry-After) turns into a lie: the chart flat at 0 while the
// figure says 3.9 fps. The counters the page polls anyway give the recent
// pace for free.
const WINDOW_MS = 20_000;
const samples = new Map<string, { t: number; done: number }[]>();

/** Records one poll of a video; returns frames finished per second over the window, or null until it spans 2 s. */
export function recordRecentRate(video: VideoDetail, now = Date.now()): number | null {
  const enhance = video.stages.find((s) => s.name === "enhance");
  if (!enhance || enhance.status !== "running") {
    samples.delete(video.id);
    return null;
  }
  const done = enhance.succeeded + enhance.failed;
  const list = samples.get(video.id) ?? [];
  // A retry moves frames from failed back to pending: the count went down, start over.
  if (list.length > 0 && done < list.at(-1)!.done) list.length = 0;
  list.push({ t: now, done });
  while (list.length > 2 && now - list[0]!.t > WINDOW_MS) list.shift();
  samples.set(video.id, list);
  const first = list[0]!;
  const elapsedSec = (now - first.t) / 1000;
  return elapsedSec < 2 ? null : (done - first.done) / elapsedSec;
}
