"use client";
import Link from "next/link";
import { useState, type FormEvent } from "react";
import { toast } from "sonner";
import { messageOf } from "@/lib/client/api";
import { formatCount, formatRelative } from "@/lib/client/format";
import { useCreateWebhook, useDeleteWebhook, useWebhooks, type WebhookEndpointView } from "@/lib/client/team";
import { WEBHOOK_EVENT_DESCRIPTION, WEBHOOK_EVENTS, type WebhookEventType } from "@/lib/webhooks/event-types";
import { Button } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { ConfirmDialog } from "@/components/ui/dialog";
import { Table, TBody, TD, TH, THead, TR } from "@/components/ui/table";
import { QueryBody } from "./query-body";
import { inputClass, SecretOnce } from "./secret-once";

export function WebhooksView() {
  const webhooks = useWebhooks();
  const create = useCreateWebhook();
  const remove = useDeleteWebhook();
  const [url, setUrl] = useState("");
  const [events, setEvents] = useState<Set<WebhookEventType>>(new Set(["video.completed", "video.failed"]));
  const [secret, setSecret] = useState<{ url: string; secret: string } | null>(null);
  const [deleting, setDeleting] = useState<WebhookEndpointView | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    try {
      const created = await create.mutateAsync({ url, events: [...events] });
      setSecret({ url, secret: created.secret });
      setUrl("");
    } catch (error) {
      toast.error(messageOf(error));
    }
  }

  async function confirmDelete() {
    if (!deleting) return;
    try {
      await remove.mutateAsync(deleting.id);
      toast.success(`Endpoint ${deleting.url} removed.`);
    } catch (error) {
      toast.error(messageOf(error));
    }
    setDeleting(null);
  }

  const toggle = (event: WebhookEventType) =>
    setEvents((s) => {
      const next = new Set(s);
      if (next.has(event)) next.delete(event);
      else next.add(event);
      return next;
    });

  return (
    <div className="space-y-6">
      <Card aria-label="New endpoint">
        <CardHeader
          title="New endpoint"
          description="Deliveries are signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature) and retried with backoff for 24 hours."
        />
        <CardBody className="space-y-3">
          <form className="space-y-3" onSubmit={(e) => void submit(e)}>
            <label className="flex flex-col gap-1 text-sm">
              URL
              <input className={inputClass} type="url" required placeholder="https://example.com/framewise-hook" value={url} onChange={(e) => setUrl(e.target.value)} />
            </label>
            <fieldset className="space-y-1 text-sm">
              <legend className="mb-1">Events</legend>
              {WEBHOOK_EVENTS.map((event) => (
                <label key={event} className="flex items-start gap-2">
                  <input type="checkbox" className="mt-0.5 size-4 accent-indigo-600" checked={events.has(event)} onChange={() => toggle(event)} />
                  <span>
                    <code className="font-mono text-xs">{event}</code> <span className="text-zinc-500 dark:text-zinc-400">— {WEBHOOK_EVENT_DESCRIPTION[event]}</span>
                  </span>
                </label>
              ))}
            </fieldset>
            <Button type="submit" variant="primary" disabled={create.isPending || events.size === 0}>
              {create.isPending ? "Adding…" : "Add endpoint"}
            </Button>
          </form>
          {secret && <SecretOnce label={`Signing secret for ${secret.url}`} secret={secret.secret} onDone={() => setSecret(null)} />}
        </CardBody>
      </Card>

      <Card aria-label="Endpoints">
        <CardHeader title="Endpoints" />
        <QueryBody query={webhooks} label="Loading endpoints" empty={{ when: (d) => d.webhooks.length === 0, title: "No endpoints yet", description: "Add one above to be told when videos finish, fail or are canceled." }}>
          {(data) => (
          <Table>
            <THead>
              <tr>
                <TH>URL</TH>
                <TH>Events</TH>
                <TH>Deliveries</TH>
                <TH>Added</TH>
                <TH className="text-right">Actions</TH>
              </tr>
            </THead>
            <TBody>
              {data.webhooks.map((w) => (
                <TR key={w.id} data-testid="webhook-row">
                  <TD className="max-w-xs font-mono text-xs break-all">
                    <Link href={`/webhooks/${w.id}`} className="text-indigo-600 hover:underline dark:text-indigo-400">
                      {w.url}
                    </Link>
                  </TD>
                  <TD className="text-xs">{w.events.join(", ")}</TD>
                  <TD className="text-xs whitespace-nowrap">
                    {formatCount(w.deliveries.succeeded)} delivered · {formatCount(w.deliveries.pending)} pending · {formatCount(w.deliveries.failed)} failed
                  </TD>
                  <TD>{formatRelative(w.createdAt)}</TD>
                  <TD className="text-right">
                    <Button size="sm" variant="ghost" className="text-red-600 dark:text-red-400" onClick={() => setDeleting(w)}>
                      Remove
                    </Button>
                  </TD>
                </TR>
              ))}
            </TBody>
          </Table>
          )}
        </QueryBody>
      </Card>
      <ConfirmDialog
        open={deleting !== null}
        title={`Remove ${deleting?.url ?? ""}?`}
        description="No more events are sent to it, and its delivery history is removed."
        confirmLabel="Remove endpoint"
        tone="danger"
        pending={remove.isPending}
        onConfirm={() => void confirmDelete()}
        onClose={() => !remove.isPending && setDeleting(null)}
      />
    </div>
  );
}
