"use client";
import Link from "next/link";
import { useState } from "react";
import { toast } from "sonner";
import { messageOf } from "@/lib/client/api";
import { formatCount, pluralize } from "@/lib/client/format";
import { bulkApi, useBulkStatus, useFailureGroups, type FailureGroupView } from "@/lib/client/team";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { ConfirmDialog } from "@/components/ui/dialog";
import { RequireRole } from "@/components/auth/current-user";
import { QueryBody } from "./query-body";

/** Failed frames of all videos grouped by cause, each retryable everywhere in one bulk action. */
export function FailuresView() {
  const groups = useFailureGroups();
  const [confirming, setConfirming] = useState<FailureGroupView | null>(null);
  const [starting, setStarting] = useState(false);
  const [running, setRunning] = useState<{ id: string; group: FailureGroupView } | null>(null);
  const status = useBulkStatus(running?.id ?? null);

  async function retryEverywhere(group: FailureGroupView) {
    setStarting(true);
    try {
      const { id } = await bulkApi.start({ action: "retry_failed", filter: {}, fingerprint: group.fingerprint });
      setRunning({ id, group });
    } catch (error) {
      toast.error(messageOf(error));
    } finally {
      setStarting(false);
      setConfirming(null);
    }
  }

  return (
    <div className="space-y-4">
      {running && status.data && (
        <div role="status" data-testid="bulk-progress" data-status={status.data.status} className="rounded-lg border border-zinc-200 bg-white p-3 text-sm dark:border-zinc-800 dark:bg-zinc-900">
          Retrying “{running.group.errorClass}{running.group.httpStatus ? ` ${running.group.httpStatus}` : ""}” on {pluralize(status.data.total, "video")}: {formatCount(status.data.done)} done,{" "}
          {formatCount(status.data.skipped)} skipped{status.data.status === "completed" ? " — finished." : "…"}
        </div>
      )}
      <Card aria-label="Failures across videos">
        <CardHeader title="Failed frames, all videos" description="Grouped by cause, most frequent first." />
        <QueryBody query={groups} label="Loading failures" empty={{ when: (d) => d.groups.length === 0, title: "No failed frames", description: "Every frame of every video is enhanced or still on its way." }}>
          {(data) => (
            <ul className="divide-y divide-zinc-100 dark:divide-zinc-800">
              {data.groups.map((g) => (
                <li key={g.fingerprint} className="flex flex-wrap items-start gap-3 px-4 py-3" data-testid="failure-group">
                  <div className="min-w-0 flex-1 space-y-1">
                    <div className="flex flex-wrap items-center gap-2">
                      <span className="text-lg font-semibold text-red-600 tabular-nums dark:text-red-400">{formatCount(g.frames)}</span>
                      <span className="font-mono text-sm">{g.errorClass}</span>
                      {g.httpStatus !== null && <Badge tone="danger">HTTP {g.httpStatus}</Badge>}
                      <span className="text-xs text-zinc-500">in {pluralize(g.videos, "video")}</span>
                    </div>
                    <p className="line-clamp-2 text-sm break-words text-zinc-600 dark:text-zinc-400">{g.message}</p>
                    <p className="text-xs text-zinc-500">
                      {g.sample.map((s, i) => (
                        <span key={s.videoId}>
                          {i > 0 && " · "}
                          <Link href={`/videos/${s.videoId}/frames`} className="hover:underline">
                            {s.title} ({formatCount(s.frames)})
                          </Link>
                        </span>
                      ))}
                    </p>
                  </div>
                  <RequireRole role="operator">
                    <Button size="sm" variant="primary" onClick={() => setConfirming(g)}>
                      Retry this group everywhere
                    </Button>
                  </RequireRole>
                </li>
              ))}
            </ul>
          )}
        </QueryBody>
      </Card>
      <ConfirmDialog
        open={confirming !== null}
        title={confirming ? `Re-queue ${pluralize(confirming.frames, "frame")} in ${pluralize(confirming.videos, "video")}?` : ""}
        description="Only the frames that failed with this cause are sent to the enhancer again; everything else is untouched. It runs in the background."
        confirmLabel={confirming ? `Retry ${formatCount(confirming.frames)}` : ""}
        pending={starting}
        onConfirm={() => confirming && void retryEverywhere(confirming)}
        onClose={() => !starting && setConfirming(null)}
      />
    </div>
  );
}
