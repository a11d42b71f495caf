"use client";
import type { Stage, StageName } from "@/lib/client/types";
import { STAGE_DEPENDENCIES } from "@/lib/pipeline/stages";
import { describeError, formatCount, formatElapsed, formatPercent } from "@/lib/client/format";
import { StatusBadge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ProgressBar } from "@/components/ui/progress-bar";
import { stageRatio, stageTone } from "@/components/videos/stage-mini-bars";
import { cx } from "@/lib/client/class-names";
import { useNow } from "@/lib/client/use-now";

const about: Record<StageName, { title: string; after: string | null }> = {
  preprocess: { title: "Probe, extract frames and audio", after: null },
  enhance: { title: "Enhance every frame", after: "after preprocess" },
  thumbnails: { title: "Poster and thumbnails", after: "after enhance" },
  captions: { title: "Speech to text (WebVTT)", after: "after preprocess" },
  encode: { title: "Encode the MP4 with audio", after: "after enhance" },
};

function elapsed(stage: Stage, now: number): string | null {
  if (!stage.startedAt || stage.status === "skipped" || stage.status === "pending") return null;
  if (!stage.finishedAt && now === 0) return null;
  const end = stage.finishedAt ? new Date(stage.finishedAt).getTime() : now;
  return formatElapsed(end - new Date(stage.startedAt).getTime());
}

/** Why a pending stage will not start: an upstream stage failed, or the video was canceled. */
function blockedBy(stage: Stage, stages: Stage[], videoStatus: string): string | null {
  if (stage.status !== "pending") return null;
  if (videoStatus === "canceled") return "Will not run: the video was canceled";
  const deps = STAGE_DEPENDENCIES[stage.name];
  const broken = stages.find((s) => deps.includes(s.name) && (s.status === "failed" || s.status === "canceled" || blockedBy(s, stages, videoStatus)));
  return broken ? `Will not run: ${broken.name} ${broken.status === "pending" ? "will not run" : broken.status}` : null;
}

function detail(stage: Stage): string {
  if (stage.name === "enhance" && stage.total > 0) {
    const parts = stage.totalFinal
      ? [`${formatCount(stage.succeeded)} of ${formatCount(stage.total)} frames`]
      : // Frames are enhanced while extraction runs: the count is still growing.
        [`${formatCount(stage.succeeded)} of ${formatCount(stage.total)} frames extracted so far${stage.totalEstimate ? ` (about ${formatCount(stage.totalEstimate)} expected)` : ""}`];
    if (stage.running) parts.push(`${formatCount(stage.running)} running`);
    if (stage.failed) parts.push(`${formatCount(stage.failed)} failed`);
    return parts.join(" · ");
  }
  if (stage.message) return stage.message;
  if (stage.status === "skipped") return "Not needed for this video";
  if (stage.status === "pending") return "Waiting";
  return { running: "Working…", succeeded: "Done", failed: "Failed", canceled: "Canceled" }[stage.status] ?? "";
}

export function StagePipeline({ stages, videoStatus, onRetry, retrying }: { stages: Stage[]; videoStatus: string; onRetry?: (stage: StageName) => void; retrying?: boolean }) {
  const now = useNow();
  return (
    <ol className="grid gap-3 sm:grid-cols-2 lg:grid-cols-5" aria-label="Pipeline stages">
      {stages.map((stage) => (
        <li
          key={stage.name}
          data-testid="stage"
          data-stage={stage.name}
          data-status={stage.status}
          className={cx(
            "flex flex-col gap-2 rounded-xl border bg-white p-3 shadow-sm dark:bg-zinc-900",
            stage.status === "failed"
              ? "border-red-300 dark:border-red-900"
              : stage.status === "running"
                ? "border-indigo-300 dark:border-indigo-800"
                : "border-zinc-200 dark:border-zinc-800",
          )}
        >
          <div className="flex items-center justify-between gap-2">
            <h3 className="text-sm font-semibold capitalize">{stage.name}</h3>
            <StatusBadge status={stage.status} />
          </div>
          <p className="-mt-1 truncate text-xs text-zinc-500 dark:text-zinc-400" title={about[stage.name].title}>
            {about[stage.name].title}
          </p>
          <div className="flex items-center gap-2">
            <ProgressBar
              value={stageRatio(stage)}
              label={`${stage.name} stage progress`}
              valueText={stage.status === "skipped" ? "skipped" : undefined}
              tone={stageTone(stage)}
              animated={stage.status === "running"}
            />
            <span className="w-9 shrink-0 text-right text-xs font-medium tabular-nums">
              {stage.status === "skipped" ? "—" : formatPercent(stageRatio(stage))}
            </span>
          </div>
          <p className="text-xs text-zinc-600 dark:text-zinc-400" data-testid="stage-detail">
            {blockedBy(stage, stages, videoStatus) ?? detail(stage)}
          </p>
          <div className="mt-auto flex justify-between text-[11px] text-zinc-400 dark:text-zinc-500">
            <span>{about[stage.name].after ?? "first"}</span>
            <span className="tabular-nums">{elapsed(stage, now) ?? ""}</span>
          </div>
          {stage.error && stage.status === "running" && stage.error.retryAt ? (
            <p role="status" data-testid="stage-retrying" className="rounded-md bg-amber-50 px-2 py-1 text-xs text-amber-800 dark:bg-amber-950/40 dark:text-amber-300">
              Retrying at {new Date(stage.error.retryAt).toLocaleTimeString()} after: {describeError(stage.error)}
            </p>
          ) : stage.error ? (
            <p role="alert" className="rounded-md bg-red-50 px-2 py-1 text-xs text-red-700 dark:bg-red-950/40 dark:text-red-300">
              {describeError(stage.error)}
            </p>
          ) : null}
          {stage.status === "failed" && stage.name !== "enhance" && onRetry && (
            <Button className="self-start" disabled={retrying} onClick={() => onRetry(stage.name)}>
              Retry {stage.name}
            </Button>
          )}
        </li>
      ))}
    </ol>
  );
}
