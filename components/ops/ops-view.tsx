"use client";
import { messageOf } from "@/lib/client/api";
import { formatBytes, formatCount, formatDateTime, formatRelative } from "@/lib/client/format";
import { useOps } from "@/lib/client/queries";
import type { OpsSnapshot } from "@/lib/client/types";
import { Badge, StatusBadge } from "@/components/ui/badge";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { EmptyState, ErrorState } from "@/components/ui/empty-state";
import { ProgressBar } from "@/components/ui/progress-bar";
import { Skeleton, SkeletonRows } from "@/components/ui/skeleton";
import { Table, TBody, TD, TH, THead, TR } from "@/components/ui/table";
import { ErrorRateChart, ThroughputChart, hasActivity } from "@/components/charts/timeline-charts";
import { Fact } from "@/components/ui/fact";
import { OpsCostCard } from "./ops-cost-card";

export function OpsView() {
  const ops = useOps();
  if (ops.isPending) {
    return (
      <div className="grid gap-6 lg:grid-cols-2">
        <Skeleton className="h-48" />
        <Skeleton className="h-48" />
        <SkeletonRows rows={3} label="Loading operations" className="lg:col-span-2" />
      </div>
    );
  }
  if (!ops.data) return <ErrorState message={messageOf(ops.error)} onRetry={() => void ops.refetch()} />;
  const data = ops.data;
  return (
    <div className="space-y-6">
      {ops.isError && <ErrorState message={`Live updates paused: ${messageOf(ops.error)}`} onRetry={() => void ops.refetch()} />}
      <div className="grid gap-6 lg:grid-cols-2">
        <EnhancerCard enhancer={data.enhancer} />
        <QueuesCard queues={data.queues} />
      </div>
      <WorkersCard workers={data.workers} />
      <StorageCard storage={data.storage} />
      <OpsCostCard />
      <Card aria-labelledby="ops-throughput-title">
        <CardHeader id="ops-throughput-title" title="Throughput and error rate" description="All videos, last hour, 10-second buckets." />
        <CardBody>
          {hasActivity(data.throughput) ? (
            <div className="grid gap-6 lg:grid-cols-2">
              <div>
                <h3 className="mb-1 text-xs font-medium text-zinc-500 dark:text-zinc-400">Frames per second</h3>
                <ThroughputChart points={data.throughput} />
              </div>
              <div>
                <h3 className="mb-1 text-xs font-medium text-zinc-500 dark:text-zinc-400">Error rate</h3>
                <ErrorRateChart points={data.throughput} />
              </div>
            </div>
          ) : (
            <EmptyState title="No frames processed in the last hour" className="py-8" />
          )}
        </CardBody>
      </Card>
    </div>
  );
}

function EnhancerCard({ enhancer }: { enhancer: OpsSnapshot["enhancer"] }) {
  const { breaker, limits, inUse } = enhancer;
  return (
    <Card aria-labelledby="enhancer-title" data-testid="enhancer" data-breaker-state={breaker.state}>
      <CardHeader
        id="enhancer-title"
        title="Enhancement service"
        description={`Mode: ${enhancer.mode}. Limits hold across every worker.`}
        actions={
          <span className="flex items-center gap-2 text-xs text-zinc-500 dark:text-zinc-400">
            Circuit breaker <StatusBadge status={breaker.state} />
          </span>
        }
      />
      <CardBody className="space-y-4">
        {breaker.state !== "closed" && (
          <p role="status" className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:bg-amber-950/40 dark:text-amber-200">
            {breaker.state === "open"
              ? `Calls are paused after ${pluralFailures(breaker.windowFailures)}. Next probe ${formatRelative(breaker.nextProbeAt)}.`
              : "Probing the service with a single call; traffic resumes when it succeeds."}
          </p>
        )}
        <dl className="grid grid-cols-2 gap-3 text-sm">
          <Fact label="Failing frames in window" value={formatCount(breaker.windowFailures)} />
          <Fact label="Opened" value={breaker.openedAt ? formatDateTime(breaker.openedAt) : "—"} />
          <Fact label="Rate limit" value={`${formatCount(limits.ratePerSec)} calls/s`} />
          <Fact label="Concurrency limit" value={`${formatCount(limits.concurrency)} calls`} />
          <Fact label="Rate-limit tokens available" value={formatCount(Math.floor(inUse.tokens * 10) / 10)} />
        </dl>
        <Usage label="Calls in flight" used={inUse.permits} limit={limits.concurrency} />
      </CardBody>
    </Card>
  );
}

const pluralFailures = (n: number) => `${formatCount(n)} failing frame${n === 1 ? "" : "s"} among the last calls`;

function Usage({ label, used, limit }: { label: string; used: number; limit: number }) {
  const ratio = limit > 0 ? used / limit : 0;
  const strained = ratio >= 1;
  return (
    <div>
      <div className="mb-1 flex justify-between text-xs text-zinc-600 dark:text-zinc-400">
        <span>{label}</span>
        <span className="tabular-nums">
          {formatCount(Math.round(used * 10) / 10)} / {formatCount(limit)}
        </span>
      </div>
      <ProgressBar value={ratio} label={label} tone={strained ? "warning" : "info"} size="sm" />
    </div>
  );
}

function QueuesCard({ queues }: { queues: OpsSnapshot["queues"] }) {
  const max = Math.max(1, ...queues.map((q) => q.queued + q.active));
  return (
    <Card aria-labelledby="queues-title">
      <CardHeader id="queues-title" title="Queues" description="Waiting and active, per stage: frames for enhance, jobs for the others." />
      <CardBody>
        {queues.length === 0 ? (
          <EmptyState title="No queues yet" className="py-8" />
        ) : (
          <ul className="space-y-3">
            {queues.map((q) => (
              <li key={q.name} data-testid="queue" data-queue={q.name}>
                <div className="mb-1 flex justify-between text-sm">
                  <span className="font-mono">{q.name}</span>
                  <span className="text-xs text-zinc-500 tabular-nums dark:text-zinc-400">
                    {formatCount(q.queued)} queued · {formatCount(q.active)} active
                  </span>
                </div>
                <ProgressBar value={(q.queued + q.active) / max} label={`${q.name} queue depth`} size="sm" tone={q.queued > 0 ? "info" : "neutral"} />
              </li>
            ))}
          </ul>
        )}
      </CardBody>
    </Card>
  );
}

function WorkersCard({ workers }: { workers: OpsSnapshot["workers"] }) {
  const online = workers.filter((w) => w.online).length;
  return (
    <Card aria-labelledby="workers-title">
      <CardHeader id="workers-title" title="Workers" description={`${formatCount(online)} online of ${formatCount(workers.length)} seen.`} />
      {workers.length === 0 ? (
        <CardBody>
          <EmptyState title="No worker has checked in" description="Start one with npm run worker (npm start runs one for you)." className="py-8" />
        </CardBody>
      ) : (
        <Table>
          <THead>
            <tr>
              <TH>Worker</TH>
              <TH>State</TH>
              <TH>Host</TH>
              <TH className="text-right">PID</TH>
              <TH className="w-48">Frames in flight</TH>
              <TH>Started</TH>
              <TH>Last heartbeat</TH>
            </tr>
          </THead>
          <TBody>
            {workers.map((w) => (
              <TR key={w.id} data-testid="worker-row" data-online={w.online}>
                <TD className="font-mono text-xs">{w.id}</TD>
                <TD>{w.online ? <StatusBadge status="online" /> : <Badge tone="danger">offline</Badge>}</TD>
                <TD>{w.host}</TD>
                <TD className="text-right tabular-nums">{w.pid}</TD>
                <TD>
                  <div className="flex items-center gap-2">
                    <ProgressBar value={w.concurrency > 0 ? w.inFlight / w.concurrency : 0} label={`Frames in flight on ${w.id}`} size="sm" />
                    <span className="text-xs whitespace-nowrap tabular-nums">
                      {w.inFlight}/{w.concurrency}
                    </span>
                  </div>
                </TD>
                <TD className="text-xs whitespace-nowrap">
                  <time dateTime={w.startedAt} title={formatDateTime(w.startedAt)}>{formatRelative(w.startedAt)}</time>
                </TD>
                <TD className="text-xs whitespace-nowrap">
                  <time dateTime={w.lastSeenAt} title={formatDateTime(w.lastSeenAt)}>{formatRelative(w.lastSeenAt)}</time>
                </TD>
              </TR>
            ))}
          </TBody>
        </Table>
      )}
    </Card>
  );
}

function StorageCard({ storage }: { storage: OpsSnapshot["storage"] }) {
  return (
    <Card aria-labelledby="storage-title" data-testid="storage">
      <CardHeader
        id="storage-title"
        title="Storage used"
        description={`${storage.backend === "s3" ? "Object storage" : "Local disk"} at ${storage.location}; measured ${formatRelative(storage.measuredAt)} (at most once a minute).`}
      />
      <CardBody>
        <dl className="grid grid-cols-2 gap-4 sm:grid-cols-4">
          <Fact label="Videos" value={formatBytes(storage.videos.bytes)} />
          <Fact label="Video files" value={formatCount(storage.videos.objects)} />
          <Fact label="Uploads in progress" value={formatBytes(storage.uploads.bytes)} />
          <Fact label="Upload parts" value={formatCount(storage.uploads.objects)} />
        </dl>
      </CardBody>
    </Card>
  );
}
