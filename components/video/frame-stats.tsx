import Link from "next/link";
import type { VideoDetail } from "@/lib/client/types";
import { formatCount, formatEta } from "@/lib/client/format";
import { isLive } from "@/lib/client/queries";
import { cx } from "@/lib/client/class-names";

/** Frame counts by status, throughput and ETA, from the enhance stage's counters (O(1) on the server). */
export function FrameStats({ video }: { video: VideoDetail }) {
  const enhance = video.stages.find((s) => s.name === "enhance");
  const live = isLive(video.status);
  const left = (enhance?.pending ?? 0) + (enhance?.running ?? 0);
  const pause = video.pause;
  const untilText = pause?.until ? new Date(pause.until).toLocaleTimeString() : null;
  // While frames are enhanced, the pace of the last seconds (not the average
  // since the start, which a pause makes lie); while paused, no pace at all.
  const fps = !live ? video.throughput.fps : pause ? 0 : (video.recentFps ?? video.throughput.fps);
  const eta = !live || enhance?.status !== "running" ? null : pause ? null : fps > 0 ? left / fps : null;
  const tiles: Array<{ label: string; value: string; tone?: string; href?: string; testId: string }> = [
    { label: "Frames", value: formatCount(enhance?.total || video.metadata.frameCount), testId: "count-total" },
    { label: "Succeeded", value: formatCount(enhance?.succeeded ?? 0), tone: (enhance?.succeeded ?? 0) > 0 ? "text-emerald-600 dark:text-emerald-400" : undefined, testId: "count-succeeded" },
    {
      label: "Failed",
      value: formatCount(enhance?.failed ?? 0),
      tone: (enhance?.failed ?? 0) > 0 ? "text-red-600 dark:text-red-400" : undefined,
      href: (enhance?.failed ?? 0) > 0 ? `/videos/${video.id}/frames` : undefined,
      testId: "count-failed",
    },
    { label: "Running", value: pause && !enhance?.running ? "0 · paused" : formatCount(enhance?.running ?? 0), tone: (enhance?.running ?? 0) > 0 ? "text-indigo-600 dark:text-indigo-400" : undefined, testId: "count-running" },
    { label: "Pending", value: formatCount(enhance?.pending ?? 0), testId: "count-pending" },
    {
      label: live ? "Throughput" : "Average throughput",
      value: fps > 0 ? `${fps.toFixed(1)} fps` : live && enhance?.status === "running" ? "0 fps" : "—",
      testId: "throughput",
    },
    { label: "ETA", value: pause ? (untilText ? `paused until ${untilText}` : "paused") : live ? formatEta(eta) : "—", testId: "eta" },
  ];
  return (
    <>
    {pause && (
      <p role="status" data-testid="call-pause" data-reason={pause.reason} className="rounded-lg border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950/40 dark:text-amber-200">
        {pause.message}
        {untilText ? ` Resumes at ${untilText}.` : ""}
      </p>
    )}
    <dl className="grid grid-cols-2 gap-3 sm:grid-cols-4 lg:grid-cols-7">
      {tiles.map((tile) => (
        <div
          key={tile.label}
          className="rounded-xl border border-zinc-200 bg-white px-3 py-2.5 shadow-sm dark:border-zinc-800 dark:bg-zinc-900"
        >
          <dt className="text-xs text-zinc-500 dark:text-zinc-400">{tile.label}</dt>
          <dd className={cx("mt-1 text-lg font-semibold tabular-nums", tile.tone)} data-testid={tile.testId}>
            {tile.href ? (
              <Link
                href={tile.href}
                aria-label={`${tile.value} failed frames: open the list`}
                className="underline-offset-4 hover:underline focus-visible:outline-2 focus-visible:outline-indigo-500"
              >
                {tile.value}
              </Link>
            ) : (
              tile.value
            )}
          </dd>
        </div>
      ))}
    </dl>
    </>
  );
}
