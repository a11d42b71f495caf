import Link from "next/link";
import type { VideoSummary } from "@/lib/client/types";
import { describeError, formatClock, formatCount, formatEta, formatPercent, formatRelative, formatDateTime } from "@/lib/client/format";
import { isLive } from "@/lib/client/queries";
import { StatusBadge } from "@/components/ui/badge";
import { ProgressBar } from "@/components/ui/progress-bar";
import { DownloadIcon, FilmIcon } from "@/components/ui/icons";
import { StageMiniBars } from "./stage-mini-bars";
import { SelectVideo } from "./bulk-selection";

export function VideoRow({ video }: { video: VideoSummary }) {
  const live = isLive(video.status);
  const href = `/videos/${video.id}`;
  return (
    <li
      data-testid="video-row"
      data-video-id={video.id}
      data-status={video.status}
      className="grid grid-cols-[6rem_minmax(0,1fr)] gap-x-4 gap-y-3 px-4 py-4 lg:grid-cols-[6rem_minmax(0,1.3fr)_minmax(0,1.4fr)_12rem] lg:items-center"
    >
      <Link href={href} tabIndex={-1} aria-hidden className="row-span-2 block lg:row-span-1">
        {video.posterUrl ? (
          // eslint-disable-next-line @next/next/no-img-element -- authenticated API image, no optimiser needed
          <img src={video.posterUrl} alt="" loading="lazy" className="aspect-video w-24 rounded-md bg-zinc-200 object-cover dark:bg-zinc-800" />
        ) : (
          <span className="grid aspect-video w-24 place-items-center rounded-md bg-zinc-100 text-zinc-400 dark:bg-zinc-800 dark:text-zinc-500">
            <FilmIcon className="size-6" />
          </span>
        )}
      </Link>

      <div className="min-w-0">
        <div className="flex items-center gap-2">
          <SelectVideo id={video.id} title={video.title} />
          <Link
            href={href}
            className="truncate text-sm font-medium text-zinc-900 hover:text-indigo-600 hover:underline focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-zinc-100 dark:hover:text-indigo-400"
          >
            {video.title}
          </Link>
          <StatusBadge status={video.status} />
        </div>
        <p className="mt-1 text-xs text-zinc-500 dark:text-zinc-400">
          {[
            video.durationSec !== null ? formatClock(video.durationSec) : null,
            video.width && video.height ? `${video.width}×${video.height}` : null,
            video.frameCount !== null ? `${formatCount(video.frameCount)} frames` : null,
          ]
            .filter(Boolean)
            .join(" · ") || "Probing…"}
        </p>
        <p className="text-xs text-zinc-500 dark:text-zinc-400">
          <time dateTime={video.createdAt} title={formatDateTime(video.createdAt)}>
            Created {formatRelative(video.createdAt)}
          </time>
        </p>
        {video.error && (
          <p className="mt-1 line-clamp-2 text-xs text-red-600 dark:text-red-400" title={describeError(video.error) ?? ""}>
            {describeError(video.error)}
          </p>
        )}
      </div>

      {/* First in the DOM so the row's first progressbar is the overall one; drawn last on wide screens. */}
      <div className="col-start-2 space-y-1.5 lg:order-last lg:col-start-auto">
        <div className="flex items-baseline justify-between text-xs">
          <span className="font-medium tabular-nums">{formatPercent(video.progress)}</span>
          <span className="text-zinc-500 dark:text-zinc-400">
            {live ? (video.etaSec !== null ? `ETA ${formatEta(video.etaSec)}` : "estimating…") : video.status}
          </span>
        </div>
        <ProgressBar
          value={video.progress}
          label={`Overall progress of ${video.title}`}
          tone={video.status === "failed" ? "danger" : video.status === "completed" ? "success" : video.status === "canceled" ? "warning" : "info"}
          animated={live}
        />
        <div className="flex justify-end gap-3 pt-0.5 text-xs">
          {video.outputUrl && (
            <a
              href={video.outputUrl}
              className="inline-flex items-center gap-1 font-medium text-indigo-600 hover:underline dark:text-indigo-400"
              data-testid="output-link"
            >
              <DownloadIcon className="size-3.5" /> Output
            </a>
          )}
          <Link href={href} className="font-medium text-zinc-600 hover:underline dark:text-zinc-300">
            Details
          </Link>
        </div>
      </div>

      <StageMiniBars stages={video.stages} className="col-start-2 lg:col-start-auto" />
    </li>
  );
}
