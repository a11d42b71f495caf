import type { ReactNode } from "react";
import { cx } from "@/lib/client/class-names";

export type Tone = "neutral" | "info" | "success" | "danger" | "warning";

const tones: Record<Tone, string> = {
  neutral: "bg-zinc-100 text-zinc-700 ring-zinc-500/20 dark:bg-zinc-800 dark:text-zinc-300 dark:ring-zinc-400/20",
  info: "bg-sky-50 text-sky-700 ring-sky-600/20 dark:bg-sky-500/10 dark:text-sky-300 dark:ring-sky-400/30",
  success:
    "bg-emerald-50 text-emerald-700 ring-emerald-600/20 dark:bg-emerald-500/10 dark:text-emerald-300 dark:ring-emerald-400/30",
  danger: "bg-red-50 text-red-700 ring-red-600/20 dark:bg-red-500/10 dark:text-red-300 dark:ring-red-400/30",
  warning: "bg-amber-50 text-amber-800 ring-amber-600/20 dark:bg-amber-500/10 dark:text-amber-300 dark:ring-amber-400/30",
};

/** Video, stage, frame and breaker statuses share one colour language. */
const statusTone: Record<string, Tone> = {
  queued: "neutral",
  pending: "neutral",
  processing: "info",
  running: "info",
  "half-open": "warning",
  completed: "success",
  succeeded: "success",
  closed: "success",
  online: "success",
  failed: "danger",
  open: "danger",
  offline: "danger",
  canceled: "warning",
  skipped: "neutral",
};

export function toneOf(status: string): Tone {
  return statusTone[status] ?? "neutral";
}

export function Badge({ tone = "neutral", children, className }: { tone?: Tone; children: ReactNode; className?: string }) {
  return (
    <span
      className={cx(
        "inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-medium whitespace-nowrap ring-1 ring-inset",
        tones[tone],
        className,
      )}
    >
      {children}
    </span>
  );
}

export function StatusBadge({ status, className }: { status: string; className?: string }) {
  const tone = toneOf(status);
  return (
    <Badge tone={tone} className={className}>
      <span
        aria-hidden
        className={cx("size-1.5 rounded-full bg-current", (status === "processing" || status === "running") && "animate-pulse")}
      />
      {status}
    </Badge>
  );
}
