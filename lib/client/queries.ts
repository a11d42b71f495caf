"use client";
// TanStack Query hooks, one per screen region. Live data polls while the work
// it shows can still change and stops once it is terminal; polling pauses in a
// background tab (refetchIntervalInBackground: false) so an idle dashboard costs
// the database nothing.
import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ApiError, api } from "./api";
import { recordRecentRate } from "./recent-rate";
import { TERMINAL_VIDEO_STATUSES, type FrameFilters, type RetryTarget, type VideoStatus } from "./types";

export const LIVE_INTERVAL_MS = 1500;
const SLOW_INTERVAL_MS = 5000;

export const isLive = (status: VideoStatus | undefined) =>
  status !== undefined && !TERMINAL_VIDEO_STATUSES.includes(status);

export const keys = {
  all: ["videos"] as const,
  list: (status: VideoStatus | null, q: string, range: DateRange = {}) => ["videos", "list", { status, q, ...range }] as const,
  video: (id: string) => ["videos", id] as const,
  timeline: (id: string) => ["videos", id, "timeline"] as const,
  frameMap: (id: string) => ["videos", id, "frame-map"] as const,
  frames: (id: string, f: FrameFilters) => ["videos", id, "frames", f] as const,
  errorGroups: (id: string) => ["videos", id, "error-groups"] as const,
  frame: (id: string, index: number) => ["videos", id, "frame", index] as const,
  ops: ["ops"] as const,
};

/** Created-at bounds (yyyy-mm-dd, both days included). */
export interface DateRange {
  from?: string;
  to?: string;
}

export function useVideos(status: VideoStatus | null, q: string, range: DateRange = {}) {
  return useInfiniteQuery({
    queryKey: keys.list(status, q, range),
    queryFn: ({ pageParam }) => api.listVideos({ status, q, ...range, cursor: pageParam }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    refetchInterval: (query) =>
      query.state.data?.pages.some((p) => p.videos.some((v) => isLive(v.status))) ? LIVE_INTERVAL_MS : false,
    refetchIntervalInBackground: false,
  });
}

export function useVideo(id: string) {
  return useQuery({
    queryKey: keys.video(id),
    queryFn: async () => {
      const video = await api.getVideo(id);
      return { ...video, recentFps: recordRecentRate(video) };
    },
    // A failed video may still have a stage running (one retried while
    // another had failed): keep following it until nothing runs.
    refetchInterval: (query) =>
      isLive(query.state.data?.status) || query.state.data?.stages.some((s) => s.status === "running") ? LIVE_INTERVAL_MS : false,
    refetchIntervalInBackground: false,
    retry: (count, error) => !(error instanceof ApiError && error.status === 404) && count < 2,
  });
}

export function useTimeline(id: string, live: boolean) {
  return useQuery({
    queryKey: keys.timeline(id),
    queryFn: () => api.getTimeline(id, 60),
    refetchInterval: live ? SLOW_INTERVAL_MS : false,
    refetchIntervalInBackground: false,
  });
}

export function useFrameMap(id: string, live: boolean) {
  return useQuery({
    queryKey: keys.frameMap(id),
    queryFn: () => api.getFrameMap(id),
    refetchInterval: live ? 2000 : false,
    refetchIntervalInBackground: false,
  });
}

export function useFrames(id: string, filters: FrameFilters, live: boolean) {
  return useQuery({
    queryKey: keys.frames(id, filters),
    queryFn: () => api.listFrames(id, filters),
    placeholderData: keepPreviousData,
    refetchInterval: live ? SLOW_INTERVAL_MS : false,
    refetchIntervalInBackground: false,
  });
}

export function useErrorGroups(id: string, live: boolean) {
  return useQuery({
    queryKey: keys.errorGroups(id),
    queryFn: () => api.getErrorGroups(id),
    refetchInterval: live ? SLOW_INTERVAL_MS : false,
    refetchIntervalInBackground: false,
  });
}

export function useFrame(id: string, index: number | null) {
  return useQuery({
    queryKey: keys.frame(id, index ?? -1),
    queryFn: () => api.getFrame(id, index as number),
    enabled: index !== null,
    refetchInterval: (query) => {
      const status = query.state.data?.status;
      return status === "pending" || status === "running" ? LIVE_INTERVAL_MS : false;
    },
    refetchIntervalInBackground: false,
  });
}

export function useOps() {
  return useQuery({
    queryKey: keys.ops,
    queryFn: api.getOps,
    refetchInterval: 2000,
    refetchIntervalInBackground: false,
  });
}

/** Every write invalidates the video's queries so polling picks the new state up at once. */
function useVideoMutation<TArg, TResult>(fn: (arg: TArg) => Promise<TResult>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSettled: () => client.invalidateQueries({ queryKey: keys.all }),
  });
}

export const useRetry = (id: string) => useVideoMutation((target: RetryTarget) => api.retry(id, target));
export const useCancel = (id: string) => useVideoMutation(() => api.cancel(id));
export const useEncodeAnyway = (id: string) => useVideoMutation(() => api.encodeAnyway(id));

export function useDeleteVideo(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => api.deleteVideo(id),
    onSuccess: () => {
      // Leave the detail queries alone: the page navigates away, and refetching
      // a deleted video would only flash a 404.
      return client.invalidateQueries({ queryKey: ["videos", "list"] });
    },
  });
}
