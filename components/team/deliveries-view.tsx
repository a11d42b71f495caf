"use client";
import Link from "next/link";
import { toast } from "sonner";
import { messageOf } from "@/lib/client/api";
import { formatDateTime, formatRelative } from "@/lib/client/format";
import { useDeliveries, useRedeliver, type WebhookDeliveryView } from "@/lib/client/team";
import { Badge, type Tone } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { EmptyState, ErrorState } from "@/components/ui/empty-state";
import { ArrowLeftIcon } from "@/components/ui/icons";
import { SkeletonRows } from "@/components/ui/skeleton";
import { Table, TBody, TD, TH, THead, TR } from "@/components/ui/table";

const TONE: Record<WebhookDeliveryView["status"], Tone> = { pending: "warning", sending: "info", succeeded: "success", failed: "danger" };

export function DeliveriesView({ id }: { id: string }) {
  const deliveries = useDeliveries(id);
  const redeliver = useRedeliver(id);

  async function resend(d: WebhookDeliveryView) {
    try {
      await redeliver.mutateAsync(d.id);
      toast.success(`Event ${d.eventId} queued again (same webhook-id).`);
    } catch (error) {
      toast.error(messageOf(error));
    }
  }

  const endpoint = deliveries.data?.pages[0]?.endpoint;
  const rows = deliveries.data?.pages.flatMap((p) => p.deliveries) ?? [];
  return (
    <div className="space-y-4">
      <Link href="/webhooks" className="inline-flex items-center gap-1 text-sm text-zinc-500 hover:text-zinc-900 dark:text-zinc-400 dark:hover:text-zinc-100">
        <ArrowLeftIcon className="size-4" /> Webhooks
      </Link>
      <Card aria-label="Deliveries">
        <CardHeader title={endpoint ? <span className="font-mono text-xs break-all">{endpoint.url}</span> : "Deliveries"} description={endpoint ? `Events: ${endpoint.events.join(", ")}` : undefined} />
        {deliveries.isPending ? (
          <SkeletonRows rows={3} label="Loading deliveries" className="p-4" />
        ) : deliveries.isError ? (
          <ErrorState className="m-4" message={messageOf(deliveries.error)} onRetry={() => void deliveries.refetch()} />
        ) : rows.length === 0 ? (
          <EmptyState className="m-4" title="No deliveries yet" description="Events this endpoint subscribes to appear here as they happen." />
        ) : (
          <Table>
            <THead>
              <tr>
                <TH>Event</TH>
                <TH>Status</TH>
                <TH>Response</TH>
                <TH>Attempts</TH>
                <TH>Time</TH>
                <TH className="text-right">Actions</TH>
              </tr>
            </THead>
            <TBody>
              {rows.map((d) => (
                <TR key={d.id} data-testid="delivery-row" data-status={d.status} data-event-id={d.eventId}>
                  <TD>
                    <div className="font-mono text-xs">{d.type}</div>
                    <div className="font-mono text-[11px] text-zinc-500">{d.eventId}</div>
                    {d.videoId && (
                      <Link href={`/videos/${d.videoId}`} className="text-xs text-indigo-600 hover:underline dark:text-indigo-400">
                        video {d.videoId.slice(0, 8)}
                      </Link>
                    )}
                  </TD>
                  <TD>
                    <Badge tone={TONE[d.status]}>{d.status}</Badge>
                    {d.status === "pending" && d.nextAttemptAt && <div className="mt-1 text-xs text-zinc-500">next {formatRelative(d.nextAttemptAt)}</div>}
                  </TD>
                  <TD className="max-w-xs text-xs">
                    <span data-testid="delivery-code">{d.lastStatusCode ?? "—"}</span>
                    {d.lastError && <div className="break-words text-zinc-500">{d.lastError}</div>}
                  </TD>
                  <TD data-testid="delivery-attempts">{d.attempts}</TD>
                  <TD className="text-xs" title={formatDateTime(d.updatedAt)}>
                    {formatDateTime(d.deliveredAt ?? d.updatedAt)}
                  </TD>
                  <TD className="text-right">
                    {d.status !== "sending" && (
                      <Button size="sm" onClick={() => void resend(d)} disabled={redeliver.isPending}>
                        Redeliver
                      </Button>
                    )}
                  </TD>
                </TR>
              ))}
            </TBody>
          </Table>
        )}
        {deliveries.hasNextPage && (
          <div className="border-t border-zinc-100 p-3 text-center dark:border-zinc-800">
            <Button size="sm" onClick={() => void deliveries.fetchNextPage()} disabled={deliveries.isFetchingNextPage}>
              Load more
            </Button>
          </div>
        )}
      </Card>
    </div>
  );
}
