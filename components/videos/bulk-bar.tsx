"use client";
import { useQueryClient } from "@tanstack/react-query";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useEffect, useState } from "react";
import { toast } from "sonner";
import { messageOf } from "@/lib/client/api";
import { formatCount, pluralize } from "@/lib/client/format";
import { bulkApi, useBulkStatus, type BulkAction, type BulkFilter } from "@/lib/client/team";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/dialog";
import { ProgressBar } from "@/components/ui/progress-bar";
import { useCan } from "@/components/auth/current-user";
import { useBulkSelection } from "./bulk-selection";

const LABEL: Record<BulkAction, string> = { cancel: "Cancel", delete: "Delete", retry_failed: "Retry failed frames" };
const CONSEQUENCE: Record<BulkAction, string> = {
  cancel: "Work stops on each of them; frames already enhanced stay enhanced. Videos already finished are skipped.",
  delete: "Each video, its frames, outputs and files are removed for good. This cannot be undone.",
  retry_failed: "The failed frames of each are re-queued; frames that succeeded are not touched. Videos with no failed frames are skipped.",
};
const dateInput = "h-8 rounded-md border border-zinc-300 bg-white px-2 text-xs shadow-sm dark:border-zinc-700 dark:bg-zinc-900";

/**
 * Above the videos list: the date range of the filter, and for operators the
 * bulk actions on the selected rows or on all videos matching the filter,
 * with a confirmation that states the count, progress while a worker runs
 * it, and a summary (done, skipped and why).
 */
export function BulkBar() {
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const client = useQueryClient();
  const selection = useBulkSelection();
  const canAct = useCan("operator");
  const filter: BulkFilter = Object.fromEntries(["status", "q", "from", "to"].flatMap((k) => (params.get(k) ? [[k, params.get(k)!]] : [])));
  const [scope, setScope] = useState<{ kind: "selected" } | { kind: "filter"; count: number } | null>(null);
  const [confirm, setConfirm] = useState<BulkAction | null>(null);
  const [starting, setStarting] = useState(false);
  const [running, setRunning] = useState<string | null>(null);
  const status = useBulkStatus(running);
  const selected = selection?.selected.size ?? 0;
  const count = scope?.kind === "filter" ? scope.count : selected;

  function setDate(key: "from" | "to", value: string) {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    router.replace(`${pathname}${next.size ? `?${next}` : ""}`, { scroll: false });
  }

  async function selectAllMatching() {
    try {
      const { count } = await bulkApi.count(filter);
      setScope({ kind: "filter", count });
    } catch (error) {
      toast.error(messageOf(error));
    }
  }

  async function start(action: BulkAction) {
    setStarting(true);
    try {
      const body = scope?.kind === "filter" ? { action, filter } : { action, ids: [...(selection?.selected ?? [])] };
      const { id } = await bulkApi.start(body);
      setRunning(id);
      selection?.clear();
      setScope(null);
    } catch (error) {
      toast.error(messageOf(error));
    } finally {
      setStarting(false);
      setConfirm(null);
    }
  }

  const done = status.data && (status.data.status === "completed" || status.data.status === "failed");
  // The list shows the result (canceled, gone, processing again) once the action is done.
  useEffect(() => {
    if (done) void client.invalidateQueries({ queryKey: ["videos"] });
  }, [done, client]);
  const describeScope = scope?.kind === "filter" ? `all ${pluralize(count, "video")} matching this filter` : pluralize(count, "selected video");

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center gap-2 text-xs text-zinc-600 dark:text-zinc-400">
        <label className="flex items-center gap-1">
          From <input type="date" aria-label="Created from" className={dateInput} value={params.get("from") ?? ""} onChange={(e) => setDate("from", e.target.value)} />
        </label>
        <label className="flex items-center gap-1">
          to <input type="date" aria-label="Created to" className={dateInput} value={params.get("to") ?? ""} onChange={(e) => setDate("to", e.target.value)} />
        </label>
        {canAct && (
          <div className="ml-auto flex flex-wrap items-center gap-2" role="group" aria-label="Bulk actions" data-testid="bulk-bar">
            {scope?.kind === "filter" ? (
              <span data-testid="bulk-scope">All {formatCount(scope.count)} matching this filter</span>
            ) : (
              <span data-testid="bulk-scope">{selected > 0 ? `${formatCount(selected)} selected` : "Select rows, or"}</span>
            )}
            {scope?.kind === "filter" ? (
              <Button size="sm" variant="ghost" onClick={() => setScope(null)}>
                Clear
              </Button>
            ) : (
              <Button size="sm" variant="ghost" onClick={() => void selectAllMatching()}>
                Select all matching
              </Button>
            )}
            {(["retry_failed", "cancel", "delete"] as const).map((action) => (
              <Button key={action} size="sm" variant={action === "delete" ? "danger" : "secondary"} disabled={count === 0 || running !== null && !done} onClick={() => { if (scope === null) setScope({ kind: "selected" }); setConfirm(action); }}>
                {LABEL[action]}
              </Button>
            ))}
          </div>
        )}
      </div>
      {running && status.data && (
        <div role="status" data-testid="bulk-progress" data-status={status.data.status} className="space-y-2 rounded-lg border border-zinc-200 bg-white p-3 text-sm dark:border-zinc-800 dark:bg-zinc-900">
          <div className="flex flex-wrap items-center justify-between gap-2">
            <span className="font-medium">
              {LABEL[status.data.action]} on {pluralize(status.data.total, "video")}: {done ? "finished" : status.data.status === "queued" ? "waiting for a worker" : "running"}
            </span>
            {done && (
              <Button size="sm" variant="ghost" onClick={() => setRunning(null)}>
                Dismiss
              </Button>
            )}
          </div>
          <ProgressBar value={(status.data.done + status.data.skipped) / Math.max(1, status.data.total)} label={`Bulk ${LABEL[status.data.action]}`} />
          <p data-testid="bulk-summary">
            {formatCount(status.data.done)} done, {formatCount(status.data.skipped)} skipped
            {status.data.total - status.data.done - status.data.skipped > 0 ? `, ${formatCount(status.data.total - status.data.done - status.data.skipped)} to go` : ""}
          </p>
          {status.data.errors.length > 0 && (
            <ul className="list-disc space-y-0.5 pl-5 text-xs text-zinc-600 dark:text-zinc-400">
              {status.data.errors.slice(0, 10).map((e) => (
                <li key={e.videoId}>
                  <a className="font-mono hover:underline" href={`/videos/${e.videoId}`}>{e.videoId.slice(0, 8)}</a>: {e.message}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      <ConfirmDialog
        open={confirm !== null}
        title={confirm ? `${LABEL[confirm]}: ${describeScope}?` : ""}
        description={confirm ? CONSEQUENCE[confirm] : undefined}
        confirmLabel={confirm ? `${LABEL[confirm]} ${formatCount(count)}` : ""}
        tone={confirm === "delete" || confirm === "cancel" ? "danger" : "primary"}
        pending={starting}
        onConfirm={() => confirm && void start(confirm)}
        onClose={() => {
          if (starting) return;
          setConfirm(null);
          if (scope?.kind === "selected") setScope(null);
        }}
      />
    </div>
  );
}
