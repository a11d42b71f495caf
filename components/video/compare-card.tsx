"use client";
import { useState } from "react";
import { messageOf } from "@/lib/client/api";
import { formatClock, formatDateTime } from "@/lib/client/format";
import { useFrame } from "@/lib/client/queries";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { EmptyState, ErrorState } from "@/components/ui/empty-state";
import { Skeleton } from "@/components/ui/skeleton";
import { CompareSlider } from "./compare-slider";

/** Before/after on a chosen frame (the middle one unless the operator picks another). */
export function CompareCard({ videoId, frameCount, fps, framesPurgedAt }: { videoId: string; frameCount: number; fps: number | null; framesPurgedAt: string | null }) {
  if (framesPurgedAt) {
    return (
      <Card aria-labelledby="compare-title">
        <CardHeader id="compare-title" title="Before / after" />
        <CardBody>
          <EmptyState
            title="Frame images removed"
            description={`The extracted and enhanced frame images were removed on ${formatDateTime(framesPurgedAt)}, as the retention setting (FRAME_RETENTION_HOURS) asks; the enhanced video, thumbnails and captions are kept. Retries need the frames: upload the video again to process it anew.`}
          />
        </CardBody>
      </Card>
    );
  }
  return <FrameCompare videoId={videoId} frameCount={frameCount} fps={fps} />;
}

function FrameCompare({ videoId, frameCount, fps }: { videoId: string; frameCount: number; fps: number | null }) {
  const [index, setIndex] = useState(() => Math.floor(frameCount / 2));
  const [text, setText] = useState(String(Math.floor(frameCount / 2)));
  const frame = useFrame(videoId, index);

  return (
    <Card aria-labelledby="compare-title">
      <CardHeader
        id="compare-title"
        title="Before / after"
        description={fps ? `Frame ${index} at ${formatClock(index / fps, 2)}` : `Frame ${index}`}
        actions={
          <form
            className="flex items-center gap-2"
            onSubmit={(e) => {
              e.preventDefault();
              const n = Number(text);
              if (Number.isInteger(n) && n >= 0 && n < frameCount) setIndex(n);
            }}
          >
            <label htmlFor="compare-frame" className="text-xs text-zinc-500 dark:text-zinc-400">
              Frame
            </label>
            <input
              id="compare-frame"
              type="number"
              min={0}
              max={frameCount - 1}
              value={text}
              onChange={(e) => setText(e.target.value)}
              onBlur={() => {
                const n = Number(text);
                if (Number.isInteger(n) && n >= 0 && n < frameCount) setIndex(n);
              }}
              className="h-8 w-24 rounded-md border border-zinc-300 bg-white px-2 text-sm dark:border-zinc-700 dark:bg-zinc-950"
            />
          </form>
        }
      />
      <CardBody>
        {frame.isPending ? (
          <Skeleton className="aspect-video w-full" />
        ) : !frame.data ? (
          <ErrorState message={messageOf(frame.error)} onRetry={() => void frame.refetch()} />
        ) : frame.data.enhancedUrl ? (
          <CompareSlider originalUrl={frame.data.originalUrl} enhancedUrl={frame.data.enhancedUrl} alt={`Frame ${index}`} />
        ) : (
          <EmptyState
            title="This frame is not enhanced yet"
            description={frame.data.status === "failed" ? "It failed; open it in the frame map to see why." : "Pick another frame, or wait for it to finish."}
          />
        )}
      </CardBody>
    </Card>
  );
}
