"use client";
import Link from "next/link";
import { describeAudit } from "@/lib/audit/describe";
import { messageOf } from "@/lib/client/api";
import { formatDateTime } from "@/lib/client/format";
import { useAudit, type AuditFilters } from "@/lib/client/team";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { EmptyState, ErrorState } from "@/components/ui/empty-state";
import { SkeletonRows } from "@/components/ui/skeleton";

/** Audit rows as sentences, newest first, with "Load more". Used by the audit page and a video's history. */
export function AuditList({ filters, live = false, showVideo = true, emptyText }: { filters: AuditFilters; live?: boolean; showVideo?: boolean; emptyText: string }) {
  const audit = useAudit(filters, { live, limit: showVideo ? 50 : 20 });
  if (audit.isPending) return <SkeletonRows rows={3} label="Loading history" className="p-4" />;
  if (audit.isError) return <ErrorState className="m-4" message={messageOf(audit.error)} onRetry={() => void audit.refetch()} />;
  const items = audit.data.pages.flatMap((p) => p.items);
  if (items.length === 0) return <EmptyState className="m-4" title={emptyText} />;
  return (
    <div>
      <ol className="divide-y divide-zinc-100 dark:divide-zinc-800">
        {items.map((item) => (
          <li key={item.id} className="flex flex-wrap items-baseline gap-x-3 gap-y-1 px-4 py-2 text-sm" data-testid="audit-row" data-action={item.action} data-result={item.result}>
            <time className="w-44 shrink-0 text-xs text-zinc-500 tabular-nums dark:text-zinc-400" dateTime={item.at}>
              {formatDateTime(item.at)}
            </time>
            <span className="min-w-0 flex-1 break-words">{describeAudit(item)}</span>
            {showVideo && item.videoId && (
              <Link href={`/videos/${item.videoId}`} className="font-mono text-xs text-indigo-600 hover:underline dark:text-indigo-400">
                video {item.videoId.slice(0, 8)}
              </Link>
            )}
            {item.result !== "ok" && <Badge tone="danger">{item.result}</Badge>}
            {showVideo && item.ip && <span className="text-xs text-zinc-500 dark:text-zinc-400">from {item.ip}</span>}
          </li>
        ))}
      </ol>
      {audit.hasNextPage && (
        <div className="border-t border-zinc-100 p-3 text-center dark:border-zinc-800">
          <Button size="sm" onClick={() => void audit.fetchNextPage()} disabled={audit.isFetchingNextPage}>
            {audit.isFetchingNextPage ? "Loading…" : "Load more"}
          </Button>
        </div>
      )}
    </div>
  );
}
