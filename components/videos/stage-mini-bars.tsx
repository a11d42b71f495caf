import type { Stage } from "@/lib/client/types";
import { ProgressBar } from "@/components/ui/progress-bar";
import { toneOf } from "@/components/ui/badge";
import { cx } from "@/lib/client/class-names";
import { formatPercent } from "@/lib/client/format";

/** Progress shown for a stage. Skipped counts as finished (a video completes with skipped stages), drawn grey. */
export function stageRatio(stage: Stage): number {
  if (stage.status === "succeeded" || stage.status === "skipped") return 1;
  return stage.progress;
}

export function stageTone(stage: Stage) {
  return stage.status === "running" ? "info" : toneOf(stage.status);
}

/** One small bar per stage, for list rows. */
export function StageMiniBars({ stages, className }: { stages: Stage[]; className?: string }) {
  return (
    <ul className={cx("grid grid-cols-5 gap-2", className)} aria-label="Stages">
      {stages.map((stage) => (
        <li key={stage.name} data-stage={stage.name} data-stage-status={stage.status} className="min-w-0">
          <div
            className={cx(
              "mb-1 truncate text-[10px] leading-none text-zinc-500 dark:text-zinc-400",
              stage.status === "failed" && "font-medium text-red-600 dark:text-red-400",
            )}
            title={`${stage.name}: ${stage.status === "skipped" ? "skipped" : `${stage.status}, ${formatPercent(stageRatio(stage))}`}`}
          >
            {stage.name}
          </div>
          <ProgressBar
            value={stageRatio(stage)}
            label={`${stage.name} progress`}
            valueText={stage.status === "skipped" ? "skipped" : undefined}
            tone={stageTone(stage)}
            size="xs"
            animated={stage.status === "running"}
          />
        </li>
      ))}
    </ul>
  );
}
