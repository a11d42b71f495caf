"use client";
import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { messageOf } from "@/lib/client/api";
import { useVideos } from "@/lib/client/queries";
import { VIDEO_STATUSES, type VideoStatus } from "@/lib/client/types";
import { Button } from "@/components/ui/button";
import { EmptyState, ErrorState } from "@/components/ui/empty-state";
import { FilmIcon } from "@/components/ui/icons";
import { SkeletonRows } from "@/components/ui/skeleton";
import { VideoRow } from "./video-row";

function parseStatus(value: string | null): VideoStatus | null {
  return VIDEO_STATUSES.includes(value as VideoStatus) ? (value as VideoStatus) : null;
}

export function VideoList() {
  const params = useSearchParams();
  const status = parseStatus(params.get("status"));
  const q = params.get("q")?.trim() ?? "";
  const range = { from: params.get("from") ?? undefined, to: params.get("to") ?? undefined };
  const query = useVideos(status, q, range);

  if (query.isPending) return <SkeletonRows rows={4} label="Loading videos" />;
  // A failed refetch keeps the last data on screen, with a banner above it.
  if (!query.data) return <ErrorState message={messageOf(query.error)} onRetry={() => void query.refetch()} />;

  const videos = query.data.pages.flatMap((p) => p.videos);
  if (videos.length === 0) {
    return status || q || range.from || range.to ? (
      <EmptyState
        title="No videos match these filters"
        description={q ? `Nothing with “${q}” in its title, file name or id${status ? ` and status ${status}` : ""}.` : status ? `No ${status} videos in this range.` : "No videos in this date range."}
        action={
          <Link href="/" className="text-sm font-medium text-indigo-600 hover:underline dark:text-indigo-400">
            Clear filters
          </Link>
        }
      />
    ) : (
      <EmptyState icon={<FilmIcon className="size-8" />} title="No videos yet — drop a file to start" />
    );
  }

  return (
    <div className="space-y-4">
      {query.isError && (
        <ErrorState message={`Live updates paused: ${messageOf(query.error)}`} onRetry={() => void query.refetch()} />
      )}
      <ul
        data-testid="video-list"
        aria-label="Videos"
        className="divide-y divide-zinc-200 overflow-hidden rounded-xl border border-zinc-200 bg-white shadow-sm dark:divide-zinc-800 dark:border-zinc-800 dark:bg-zinc-900"
      >
        {videos.map((video) => (
          <VideoRow key={video.id} video={video} />
        ))}
      </ul>
      {query.hasNextPage && (
        <div className="flex justify-center">
          <Button onClick={() => void query.fetchNextPage()} disabled={query.isFetchingNextPage}>
            {query.isFetchingNextPage ? "Loading…" : "Load more"}
          </Button>
        </div>
      )}
    </div>
  );
}
