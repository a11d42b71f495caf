"use client";
import { useState } from "react";
import { toast } from "sonner";
import { messageOf } from "@/lib/client/api";
import { cx } from "@/lib/client/class-names";
import { formatCount, pluralize } from "@/lib/client/format";
import { useErrorGroups, useRetry } from "@/lib/client/queries";
import type { ErrorGroup } from "@/lib/client/types";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { RequireRole } from "@/components/auth/current-user";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { ConfirmDialog } from "@/components/ui/dialog";
import { EmptyState, ErrorState } from "@/components/ui/empty-state";
import { SkeletonRows } from "@/components/ui/skeleton";

/** Failed frames grouped by cause (same fingerprint), each retryable in one click. */
export function ErrorGroups({
  videoId,
  live,
  activeGroup,
  onFilter,
}: {
  videoId: string;
  live: boolean;
  activeGroup: string | null;
  onFilter: (fingerprint: string | null) => void;
}) {
  const groups = useErrorGroups(videoId, live);
  const retry = useRetry(videoId);
  const [confirming, setConfirming] = useState<ErrorGroup | null>(null);

  async function retryGroup(group: ErrorGroup) {
    try {
      const { requeued } = await retry.mutateAsync({ fingerprint: group.fingerprint });
      toast.success(`${pluralize(requeued, "frame")} re-queued (${group.errorClass}${group.httpStatus ? ` ${group.httpStatus}` : ""}).`);
      if (activeGroup === group.fingerprint) onFilter(null);
    } catch (error) {
      toast.error(messageOf(error));
    } finally {
      setConfirming(null);
    }
  }

  const total = groups.data?.groups.reduce((sum, g) => sum + g.count, 0) ?? 0;
  return (
    <Card aria-labelledby="error-groups-title">
      <CardHeader
        id="error-groups-title"
        title="Error groups"
        description={groups.data ? `${pluralize(total, "failed frame")} in ${pluralize(groups.data.groups.length, "group")}, grouped by cause.` : "Failed frames grouped by cause."}
      />
      <CardBody className="space-y-2">
        {groups.isPending ? (
          <SkeletonRows rows={2} label="Loading error groups" />
        ) : !groups.data ? (
          <ErrorState message={messageOf(groups.error)} onRetry={() => void groups.refetch()} />
        ) : groups.data.groups.length === 0 ? (
          <EmptyState title="No failed frames" description="Every frame that finished succeeded." className="py-6" />
        ) : (
          <ul className="grid gap-3 md:grid-cols-2 xl:grid-cols-3">
            {groups.data.groups.map((group) => (
              <li
                key={group.fingerprint}
                data-testid="error-group"
                data-fingerprint={group.fingerprint}
                data-count={group.count}
                className={cx(
                  "flex flex-col rounded-lg border p-3",
                  activeGroup === group.fingerprint
                    ? "border-indigo-400 bg-indigo-50/60 dark:border-indigo-700 dark:bg-indigo-950/30"
                    : "border-zinc-200 dark:border-zinc-800",
                )}
              >
                <div className="flex flex-wrap items-center gap-2">
                  <span className="text-lg font-semibold text-red-600 tabular-nums dark:text-red-400" data-testid="error-group-count">
                    {formatCount(group.count)}
                  </span>
                  <span className="font-mono text-sm font-medium">{group.errorClass}</span>
                  {group.httpStatus !== null && <Badge tone="danger">HTTP {group.httpStatus}</Badge>}
                </div>
                <p className="mt-1 line-clamp-2 text-sm break-words text-zinc-600 dark:text-zinc-400" title={group.message}>
                  {group.message}
                </p>
                <div className="mt-auto flex flex-wrap gap-2 pt-2">
                  <Button
                    size="sm"
                    variant="ghost"
                    aria-pressed={activeGroup === group.fingerprint}
                    onClick={() => onFilter(activeGroup === group.fingerprint ? null : group.fingerprint)}
                  >
                    {activeGroup === group.fingerprint ? "Show all" : "Show these frames"}
                  </Button>
                  <RequireRole role="operator">
                    <Button size="sm" variant="primary" onClick={() => setConfirming(group)}>
                      Retry this group
                    </Button>
                  </RequireRole>
                </div>
              </li>
            ))}
          </ul>
        )}
      </CardBody>
      <ConfirmDialog
        open={confirming !== null}
        title={confirming ? `Re-queue ${pluralize(confirming.count, "frame")} that failed with ${confirming.errorClass}${confirming.httpStatus ? ` (HTTP ${confirming.httpStatus})` : ""}?` : ""}
        description="Only the frames in this group are sent to the enhancer again. Frames that already succeeded are not touched; encode runs again once they finish."
        confirmLabel={confirming ? `Re-queue ${formatCount(confirming.count)}` : ""}
        pending={retry.isPending}
        onConfirm={() => confirming && void retryGroup(confirming)}
        onClose={() => !retry.isPending && setConfirming(null)}
      />
    </Card>
  );
}
