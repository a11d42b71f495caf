"use client";
import { messageOf } from "@/lib/client/api";
import { useTimeline } from "@/lib/client/queries";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { EmptyState, ErrorState } from "@/components/ui/empty-state";
import { Skeleton } from "@/components/ui/skeleton";
import { FailuresChart, ThroughputChart, hasActivity } from "@/components/charts/timeline-charts";

export function TimelineCard({ videoId, live }: { videoId: string; live: boolean }) {
  const timeline = useTimeline(videoId, live);
  return (
    <Card aria-labelledby="timeline-title">
      <CardHeader id="timeline-title" title="Throughput and failures" description="Last hour, in 10-second buckets." />
      <CardBody>
        {timeline.isPending ? (
          <Skeleton className="h-44 w-full" />
        ) : !timeline.data ? (
          <ErrorState message={messageOf(timeline.error)} onRetry={() => void timeline.refetch()} />
        ) : !hasActivity(timeline.data.points) ? (
          <EmptyState title="No frames finished in the last hour" description="The charts fill in while frames are being enhanced." />
        ) : (
          <div className="grid gap-6 lg:grid-cols-2">
            <div>
              <h3 className="mb-1 text-xs font-medium text-zinc-500 dark:text-zinc-400">Frames per second</h3>
              <ThroughputChart points={timeline.data.points} />
            </div>
            <div>
              <h3 className="mb-1 text-xs font-medium text-zinc-500 dark:text-zinc-400">Failures per 10 s</h3>
              <FailuresChart points={timeline.data.points} />
            </div>
          </div>
        )}
      </CardBody>
    </Card>
  );
}
