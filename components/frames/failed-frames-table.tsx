"use client";
import type { FrameRow } from "@/lib/client/types";
import { formatClock, formatCount, formatDateTime, formatRelative } from "@/lib/client/format";
import { StatusBadge } from "@/components/ui/badge";
import { Table, TBody, TD, TH, THead, TR } from "@/components/ui/table";
import { TruncatedText } from "@/components/ui/truncated-text";

const checkboxClass = "size-4 rounded border-zinc-300 accent-indigo-600 dark:border-zinc-600";

export function FailedFramesTable({
  frames,
  selected,
  onToggle,
  onToggleAll,
  onOpen,
}: {
  frames: FrameRow[];
  selected: ReadonlySet<number>;
  onToggle: (index: number) => void;
  onToggleAll: (indices: number[], select: boolean) => void;
  onOpen: (index: number) => void;
}) {
  const indices = frames.map((f) => f.index);
  const allSelected = indices.length > 0 && indices.every((i) => selected.has(i));
  const someSelected = indices.some((i) => selected.has(i));
  return (
    <Table data-testid="failed-frames-table">
      <THead>
        <tr>
          <TH className="w-8">
            <input
              type="checkbox"
              aria-label="Select all frames on this page"
              className={checkboxClass}
              checked={allSelected}
              ref={(el) => {
                if (el) el.indeterminate = someSelected && !allSelected;
              }}
              onChange={(e) => onToggleAll(indices, e.target.checked)}
            />
          </TH>
          <TH>Frame</TH>
          <TH>Time</TH>
          <TH className="text-right">Attempts</TH>
          <TH>Error class</TH>
          <TH>HTTP</TH>
          <TH className="min-w-56">Message</TH>
          <TH>Worker</TH>
          <TH>Last attempt</TH>
        </tr>
      </THead>
      <TBody>
        {frames.map((frame) => {
          const error = frame.lastError;
          const lastAt = error?.at ?? frame.updatedAt;
          return (
            <TR
              key={frame.index}
              data-testid="failed-frame-row"
              data-frame-index={frame.index}
              data-status={frame.status}
              className={selected.has(frame.index) ? "bg-indigo-50/60 dark:bg-indigo-950/20" : undefined}
            >
              <TD>
                <input
                  type="checkbox"
                  aria-label={`Select frame ${frame.index}`}
                  className={checkboxClass}
                  checked={selected.has(frame.index)}
                  onChange={() => onToggle(frame.index)}
                />
              </TD>
              <TD className="whitespace-nowrap">
                <button
                  type="button"
                  onClick={() => onOpen(frame.index)}
                  className="font-mono font-medium text-indigo-600 hover:underline focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-indigo-400"
                  aria-label={`Open frame ${frame.index}`}
                >
                  #{formatCount(frame.index)}
                </button>
                {frame.status !== "failed" && <StatusBadge status={frame.status} className="ml-2" />}
              </TD>
              <TD className="font-mono text-xs whitespace-nowrap tabular-nums">{formatClock(frame.timeSec, 3)}</TD>
              <TD className="text-right tabular-nums">{frame.attempts}</TD>
              <TD className="font-mono text-xs whitespace-nowrap">{error?.errorClass ?? "—"}</TD>
              <TD className="tabular-nums" data-testid="http-status">
                {error?.httpStatus ?? "—"}
              </TD>
              <TD className="max-w-sm" data-testid="error-message">
                {error ? <TruncatedText text={error.message} limit={80} /> : "—"}
              </TD>
              <TD className="font-mono text-xs whitespace-nowrap">{frame.workerId ?? error?.workerId ?? "—"}</TD>
              <TD className="text-xs whitespace-nowrap">
                <time dateTime={lastAt} title={formatDateTime(lastAt)}>
                  {formatRelative(lastAt)}
                </time>
              </TD>
            </TR>
          );
        })}
      </TBody>
    </Table>
  );
}
