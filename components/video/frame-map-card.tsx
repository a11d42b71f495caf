"use client";
import { useState, type FormEvent } from "react";
import { messageOf } from "@/lib/client/api";
import { useFrameMap } from "@/lib/client/queries";
import { Button } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { EmptyState, ErrorState } from "@/components/ui/empty-state";
import { Skeleton } from "@/components/ui/skeleton";
import { FrameMap } from "./frame-map";

export function FrameMapCard({
  videoId,
  live,
  fps,
  onOpenFrame,
}: {
  videoId: string;
  live: boolean;
  fps: number | null;
  onOpenFrame: (index: number) => void;
}) {
  const map = useFrameMap(videoId, live);
  const [target, setTarget] = useState("");
  const frameCount = map.data?.frameCount ?? 0;

  function openTyped(e: FormEvent) {
    e.preventDefault();
    const n = Number(target);
    if (Number.isInteger(n) && n >= 0 && n < frameCount) onOpenFrame(n);
  }

  const firstFailed = map.data ? map.data.statuses.indexOf("f") : -1;
  return (
    <Card aria-labelledby="frame-map-title">
      <CardHeader
        id="frame-map-title"
        title="Frame map"
        description="One cell per frame, in order. Click a cell to open that frame."
        actions={
          frameCount > 0 && (
            <form onSubmit={openTyped} className="flex items-center gap-2">
              <label htmlFor="open-frame" className="sr-only">
                Frame number
              </label>
              <input
                id="open-frame"
                type="number"
                min={0}
                max={frameCount - 1}
                value={target}
                onChange={(e) => setTarget(e.target.value)}
                placeholder="Frame #"
                className="h-8 w-28 rounded-md border border-zinc-300 bg-white px-2 text-sm dark:border-zinc-700 dark:bg-zinc-950"
              />
              <Button size="sm" type="submit">
                Open
              </Button>
              {firstFailed >= 0 && (
                <Button size="sm" onClick={() => onOpenFrame(firstFailed)}>
                  First failed
                </Button>
              )}
            </form>
          )
        }
      />
      <CardBody>
        {map.isPending ? (
          <Skeleton className="h-40 w-full" />
        ) : !map.data ? (
          <ErrorState message={messageOf(map.error)} onRetry={() => void map.refetch()} />
        ) : map.data.frameCount === 0 ? (
          <EmptyState title="No frames yet" description="Frames appear here once preprocess has extracted them." />
        ) : (
          <FrameMap statuses={map.data.statuses} frameCount={map.data.frameCount} fps={fps} onSelect={onOpenFrame} />
        )}
      </CardBody>
    </Card>
  );
}
