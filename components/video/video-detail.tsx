"use client";
import Link from "next/link";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { ApiError, messageOf } from "@/lib/client/api";
import { describeError, formatBytes, formatClock, formatCount, formatDateTime, formatRelative } from "@/lib/client/format";
import { isLive, keys, useRetry, useVideo } from "@/lib/client/queries";
import type { StageName } from "@/lib/client/types";
import { toast } from "sonner";
import { costKeys } from "@/lib/client/costs";
import { useFrameParam } from "@/lib/client/use-search-param-state";
import { StatusBadge } from "@/components/ui/badge";
import { buttonClass } from "@/components/ui/button";
import { EmptyState, ErrorState } from "@/components/ui/empty-state";
import { ArrowLeftIcon } from "@/components/ui/icons";
import { Skeleton, SkeletonRows } from "@/components/ui/skeleton";
import { FrameDrawer } from "@/components/frames/frame-drawer";
import { CompareCard } from "./compare-card";
import { CostCard } from "./cost-card";
import { FrameMapCard } from "./frame-map-card";
import { FrameStats } from "./frame-stats";
import { StagePipeline } from "./stage-pipeline";
import { TimelineCard } from "./timeline-card";
import { VideoActions } from "./video-actions";
import { VideoHistory } from "@/components/team/video-history";
import { VideoOutputs } from "./video-outputs";

export function VideoDetailView({ id }: { id: string }) {
  const video = useVideo(id);
  const drawer = useFrameParam();
  const client = useQueryClient();
  const status = video.data?.status;
  const live = isLive(status);
  const stageRetry = useRetry(id);
  const retryStage = async (stage: StageName) => {
    try {
      await stageRetry.mutateAsync({ stages: [stage] });
      toast.success(`${stage} runs again.`);
    } catch (error) {
      toast.error(messageOf(error));
    }
  };

  // Side queries poll only while the video is live; refresh them once more when it settles.
  useEffect(() => {
    if (status && !isLive(status)) {
      void client.invalidateQueries({ queryKey: keys.frameMap(id) });
      void client.invalidateQueries({ queryKey: keys.timeline(id) });
      void client.invalidateQueries({ queryKey: costKeys.video(id) });
    }
  }, [status, id, client]);

  if (video.isPending) {
    return (
      <div className="space-y-6">
        <Skeleton className="h-10 w-72" />
        <SkeletonRows rows={3} label="Loading video" />
      </div>
    );
  }
  if (!video.data) {
    if (video.error instanceof ApiError && video.error.status === 404) {
      return (
        <EmptyState
          title="Video not found"
          description="It may have been deleted."
          action={
            <Link href="/" className={buttonClass("primary")}>
              Back to videos
            </Link>
          }
        />
      );
    }
    return <ErrorState message={messageOf(video.error)} onRetry={() => void video.refetch()} />;
  }

  const v = video.data;
  const m = v.metadata;
  const enhance = v.stages.find((s) => s.name === "enhance");
  return (
    <div className="space-y-6" data-testid="video-detail" data-video-id={v.id} data-status={v.status}>
      <div className="space-y-3">
        <Link href="/" className="inline-flex items-center gap-1 text-sm text-zinc-500 hover:text-zinc-900 dark:text-zinc-400 dark:hover:text-zinc-100">
          <ArrowLeftIcon className="size-4" /> All videos
        </Link>
        <div className="flex flex-wrap items-start justify-between gap-4">
          <div className="min-w-0 space-y-1">
            <div className="flex flex-wrap items-center gap-3">
              <h1 className="truncate text-xl font-semibold tracking-tight">{v.title}</h1>
              <StatusBadge status={v.status} />
            </div>
            <p className="text-sm text-zinc-500 dark:text-zinc-400">
              {[
                m.durationSec !== null ? formatClock(m.durationSec) : null,
                m.fps ? `${Number(m.fps.toFixed(3))} fps` : null,
                m.width && m.height ? `${m.width}×${m.height}` : null,
                m.videoCodec,
                m.hasAudio ? `audio ${m.audioCodec ?? ""}`.trim() : m.hasAudio === false ? "no audio" : null,
                m.sizeBytes !== null ? formatBytes(m.sizeBytes) : null,
                m.originalName,
              ]
                .filter(Boolean)
                .join(" · ")}
            </p>
            <p className="text-xs text-zinc-500 dark:text-zinc-400">
              Uploaded <time dateTime={v.createdAt} title={formatDateTime(v.createdAt)}>{formatRelative(v.createdAt)}</time>
            </p>
          </div>
          <div className="flex flex-wrap items-center gap-2">
            {(enhance?.failed ?? 0) > 0 && (
              <Link href={`/videos/${v.id}/frames`} className={buttonClass("secondary")}>
                Failed frames ({formatCount(enhance?.failed ?? 0)})
              </Link>
            )}
            <VideoActions video={v} />
          </div>
        </div>
      </div>

      {v.error && <ErrorState message={describeError(v.error) ?? ""} />}

      <StagePipeline stages={v.stages} videoStatus={v.status} onRetry={(stage) => void retryStage(stage)} retrying={stageRetry.isPending} />
      <FrameStats video={v} />
      <TimelineCard videoId={v.id} live={live} />
      <CostCard videoId={v.id} live={live} />
      <FrameMapCard videoId={v.id} live={live} fps={m.fps} onOpenFrame={drawer.open} />

      <div className="grid gap-6 lg:grid-cols-2">
        <VideoOutputs video={v} />
        {(m.frameCount ?? 0) > 0 && (enhance?.succeeded ?? 0) > 0 ? (
          <CompareCard videoId={v.id} frameCount={m.frameCount ?? 0} fps={m.fps} framesPurgedAt={v.framesPurgedAt} />
        ) : null}
      </div>

      <VideoHistory videoId={v.id} live={live} />

      <FrameDrawer videoId={v.id} index={drawer.index} frameCount={m.frameCount} onNavigate={drawer.open} onClose={drawer.close} />
    </div>
  );
}
