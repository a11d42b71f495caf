"use client";
import Link from "next/link";
import { useState } from "react";
import { toast } from "sonner";
import { messageOf } from "@/lib/client/api";
import { formatCount, pluralize } from "@/lib/client/format";
import { isLive, useFrames, useRetry, useVideo } from "@/lib/client/queries";
import type { FrameFilters, FrameSort, FrameStatus } from "@/lib/client/types";
import { useFrameParam, useSearchParamState } from "@/lib/client/use-search-param-state";
import { Button } from "@/components/ui/button";
import { useCan } from "@/components/auth/current-user";
import { Card } from "@/components/ui/card";
import { ConfirmDialog } from "@/components/ui/dialog";
import { EmptyState, ErrorState } from "@/components/ui/empty-state";
import { ProgressBar } from "@/components/ui/progress-bar";
import { ArrowLeftIcon } from "@/components/ui/icons";
import { SkeletonRows } from "@/components/ui/skeleton";
import { ErrorGroups } from "./error-groups";
import { FailedFramesTable } from "./failed-frames-table";
import { FrameDrawer } from "./frame-drawer";

const STATUSES: Array<FrameStatus | "all"> = ["failed", "all", "pending", "running", "succeeded"];
const SORTS: Array<{ value: FrameSort; label: string }> = [
  { value: "index", label: "Frame number" },
  { value: "attempts", label: "Most attempts" },
  { value: "updated", label: "Last attempt" },
];
const selectClass = "h-9 rounded-md border border-zinc-300 bg-white px-2 text-sm shadow-sm dark:border-zinc-700 dark:bg-zinc-900";

function filtersFrom(params: URLSearchParams): FrameFilters {
  const status = params.get("status") as FrameFilters["status"] | null;
  const sort = params.get("sort") as FrameSort | null;
  return {
    status: status && STATUSES.includes(status) ? status : "failed",
    group: params.get("group") || null,
    sort: sort && SORTS.some((s) => s.value === sort) ? sort : "index",
    cursor: params.get("cursor") || null,
  };
}

export function FailedFramesView({ id }: { id: string }) {
  const { params, update } = useSearchParamState();
  const filters = filtersFrom(new URLSearchParams(params));
  const drawer = useFrameParam();
  const video = useVideo(id);
  const live = isLive(video.data?.status);
  const frames = useFrames(id, filters, live);
  const retry = useRetry(id);
  const canRetry = useCan("operator");
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [previous, setPrevious] = useState<Array<string | null>>([]);
  const [confirm, setConfirm] = useState<"selected" | "all" | null>(null);

  // A new filter starts a new listing: forget the page history and the selection.
  const filterKey = `${filters.status}|${filters.group}|${filters.sort}`;
  const [listedKey, setListedKey] = useState(filterKey);
  if (listedKey !== filterKey) {
    setListedKey(filterKey);
    setPrevious([]);
    setSelected(new Set());
  }

  const setFilter = (change: Record<string, string | null>) => update({ ...change, cursor: null });
  const enhance = video.data?.stages.find((s) => s.name === "enhance");
  const failedTotal = enhance?.failed ?? 0;
  // Frames still on their way (a "Retry all" re-queued them): the page says so
  // instead of "no failed frames", which reads as "all done".
  const inFlight = enhance?.status === "running" ? enhance.pending + enhance.running : 0;

  async function runRetry(kind: "selected" | "all") {
    try {
      const { requeued } = await retry.mutateAsync(kind === "selected" ? { frames: [...selected].sort((a, b) => a - b) } : { status: "failed" });
      toast.success(`${pluralize(requeued, "frame")} re-queued.`);
      setSelected(new Set());
    } catch (error) {
      toast.error(messageOf(error));
    } finally {
      setConfirm(null);
    }
  }

  const toggle = (index: number) =>
    setSelected((s) => {
      const next = new Set(s);
      if (!next.delete(index)) next.add(index);
      return next;
    });
  const toggleAll = (indices: number[], select: boolean) =>
    setSelected((s) => {
      const next = new Set(s);
      for (const i of indices) {
        if (select) next.add(i);
        else next.delete(i);
      }
      return next;
    });

  return (
    <div className="space-y-6" data-testid="failed-frames-page">
      <div className="space-y-2">
        <Link href={`/videos/${id}`} className="inline-flex items-center gap-1 text-sm text-zinc-500 hover:text-zinc-900 dark:text-zinc-400 dark:hover:text-zinc-100">
          <ArrowLeftIcon className="size-4" /> {video.data?.title ?? "Video"}
        </Link>
        <div className="flex flex-wrap items-center justify-between gap-3">
          <h1 className="text-xl font-semibold tracking-tight">Failed frames</h1>
          {failedTotal > 0 && canRetry && (
            <Button variant="primary" onClick={() => setConfirm("all")}>
              Retry all failed ({formatCount(failedTotal)})
            </Button>
          )}
        </div>
      </div>

      {inFlight > 0 && enhance && (
        <div role="status" data-testid="retry-progress" className="space-y-2 rounded-xl border border-indigo-200 bg-indigo-50 px-4 py-3 text-sm dark:border-indigo-900 dark:bg-indigo-950/40">
          <div className="flex flex-wrap items-center justify-between gap-2">
            <span>
              {pluralize(inFlight, "frame")} still being enhanced ({formatCount(enhance.pending)} pending, {formatCount(enhance.running)} running) · {formatCount(enhance.succeeded)} of {formatCount(enhance.total)} succeeded
              {failedTotal > 0 ? `, ${formatCount(failedTotal)} failed` : ""}
            </span>
            {filters.status !== "pending" && (
              <Button size="sm" variant="ghost" onClick={() => setFilter({ status: "pending" })}>
                Show pending
              </Button>
            )}
          </div>
          <ProgressBar value={enhance.total > 0 ? (enhance.succeeded + enhance.failed) / enhance.total : 0} label="Enhance progress" />
        </div>
      )}

      <div className="space-y-6">
        <ErrorGroups videoId={id} live={live} activeGroup={filters.group} onFilter={(group) => setFilter({ group })} />

        <Card aria-label="Frames">
          <div className="flex flex-wrap items-center gap-3 border-b border-zinc-200 px-4 py-3 dark:border-zinc-800">
            <label className="flex items-center gap-2 text-sm">
              <span className="text-zinc-500 dark:text-zinc-400">Status</span>
              <select className={selectClass} value={filters.status} onChange={(e) => setFilter({ status: e.target.value === "failed" ? null : e.target.value })}>
                {STATUSES.map((s) => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
              </select>
            </label>
            <label className="flex items-center gap-2 text-sm">
              <span className="text-zinc-500 dark:text-zinc-400">Sort by</span>
              <select className={selectClass} value={filters.sort} onChange={(e) => setFilter({ sort: e.target.value === "index" ? null : e.target.value })}>
                {SORTS.map((s) => (
                  <option key={s.value} value={s.value}>
                    {s.label}
                  </option>
                ))}
              </select>
            </label>
            {filters.group && (
              <Button size="sm" variant="ghost" onClick={() => setFilter({ group: null })}>
                Error group filter ✕
              </Button>
            )}
            {canRetry && (
              <Button className="ml-auto" variant="primary" disabled={selected.size === 0} onClick={() => setConfirm("selected")}>
                Retry selected ({formatCount(selected.size)})
              </Button>
            )}
          </div>

          {frames.isPending ? (
            <SkeletonRows rows={6} label="Loading frames" className="p-4" />
          ) : !frames.data ? (
            <ErrorState className="m-4" message={messageOf(frames.error)} onRetry={() => void frames.refetch()} />
          ) : frames.data.frames.length === 0 ? (
            <EmptyState
              className="m-4"
              title={filters.status === "failed" ? (inFlight > 0 ? "No failed frames right now" : "No failed frames") : `No ${filters.status === "all" ? "" : `${filters.status} `}frames`}
              description={
                filters.group
                  ? "No frame in this error group any more."
                  : filters.status === "failed"
                    ? inFlight > 0
                      ? `${pluralize(inFlight, "frame")} are still being enhanced; any that fail again are listed here.`
                      : "Every frame that finished succeeded."
                    : undefined
              }
            />
          ) : (
            <FailedFramesTable frames={frames.data.frames} selected={selected} onToggle={toggle} onToggleAll={toggleAll} onOpen={drawer.open} />
          )}

          <nav aria-label="Pages" className="flex items-center justify-between gap-2 border-t border-zinc-200 px-4 py-3 text-sm dark:border-zinc-800">
            <span className="text-zinc-500 dark:text-zinc-400">{frames.isFetching && !frames.isPending ? "Refreshing…" : ""}</span>
            <div className="flex gap-2">
              <Button size="sm" disabled={!filters.cursor} onClick={() => { setPrevious([]); update({ cursor: null }); }}>
                First page
              </Button>
              <Button size="sm" disabled={previous.length === 0} onClick={() => { const prev = previous.at(-1) ?? null; setPrevious((p) => p.slice(0, -1)); update({ cursor: prev }); }}>
                Previous
              </Button>
              <Button size="sm" disabled={!frames.data?.nextCursor} onClick={() => { setPrevious((p) => [...p, filters.cursor]); update({ cursor: frames.data?.nextCursor ?? null }); }}>
                Next page
              </Button>
            </div>
          </nav>
        </Card>
      </div>

      <ConfirmDialog
        open={confirm !== null}
        title={confirm === "selected" ? `Re-queue ${pluralize(selected.size, "selected frame")}?` : `Re-queue all ${pluralize(failedTotal, "failed frame")}?`}
        description={
          confirm === "selected"
            ? `Frames ${[...selected].sort((a, b) => a - b).slice(0, 8).join(", ")}${selected.size > 8 ? ", …" : ""} are sent to the enhancer again. No other frame is touched.`
            : "Every failed frame of this video is sent to the enhancer again. Frames that already succeeded are skipped."
        }
        confirmLabel={confirm === "selected" ? `Re-queue ${formatCount(selected.size)}` : `Re-queue ${formatCount(failedTotal)}`}
        pending={retry.isPending}
        onConfirm={() => confirm && void runRetry(confirm)}
        onClose={() => !retry.isPending && setConfirm(null)}
      />

      <FrameDrawer videoId={id} index={drawer.index} frameCount={video.data?.metadata.frameCount ?? null} onNavigate={drawer.open} onClose={drawer.close} />
    </div>
  );
}
