"use client";
import { Card, CardHeader } from "@/components/ui/card";
import { AuditList } from "./audit-list";

/** A video's history on its page: who uploaded, retried, canceled it, and when. */
export function VideoHistory({ videoId, live }: { videoId: string; live: boolean }) {
  return (
    <Card aria-label="History">
      <CardHeader title="History" description="Actions on this video, newest first." />
      <AuditList filters={{ videoId }} live={live} showVideo={false} emptyText="No actions recorded yet." />
    </Card>
  );
}
