import { cx } from "@/lib/client/class-names";
import type { Tone } from "./badge";

const fills: Record<Tone, string> = {
  neutral: "bg-zinc-400 dark:bg-zinc-500",
  info: "bg-indigo-500",
  success: "bg-emerald-500",
  danger: "bg-red-500",
  warning: "bg-amber-500",
};

/**
 * An accessible progress bar: role="progressbar" with aria-valuenow in 0..100.
 * The value is floored so 99.6% never reads as done before the work is.
 */
export function ProgressBar({
  value,
  label,
  tone = "info",
  size = "md",
  className,
  animated = false,
  valueText,
}: {
  /** Read by screen readers instead of the percentage, e.g. "skipped". */
  valueText?: string;
  /** 0..1 */
  value: number;
  label: string;
  tone?: Tone;
  size?: "xs" | "sm" | "md";
  className?: string;
  animated?: boolean;
}) {
  const ratio = Number.isFinite(value) ? Math.max(0, Math.min(1, value)) : 0;
  const pct = ratio >= 1 ? 100 : Math.floor(ratio * 100);
  return (
    <div
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={pct}
      aria-valuetext={valueText ?? `${pct}%`}
      className={cx(
        "w-full overflow-hidden rounded-full bg-zinc-200 dark:bg-zinc-800",
        size === "xs" ? "h-1" : size === "sm" ? "h-1.5" : "h-2.5",
        className,
      )}
    >
      <div
        className={cx(
          "h-full rounded-full transition-[width] duration-500 ease-out",
          fills[tone],
          animated && ratio < 1 && "progress-stripes",
        )}
        style={{ width: `${ratio * 100}%` }}
      />
    </div>
  );
}
