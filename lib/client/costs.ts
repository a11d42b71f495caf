"use client";
import { useQuery } from "@tanstack/react-query";
import type { CallCosts } from "@/lib/pipeline/queries/costs";
import { request } from "./api";

// Cost and calls (issue 12): one video's figures poll while it is live; the
// fleet's totals poll on the operations page.
const INTERVAL_MS = 5000;

export const costKeys = {
  video: (id: string) => ["videos", id, "costs"] as const,
  totals: ["costs"] as const,
};

export function useVideoCosts(id: string, live: boolean) {
  return useQuery({
    queryKey: costKeys.video(id),
    queryFn: () => request<CallCosts>(`/api/videos/${encodeURIComponent(id)}/costs`),
    refetchInterval: live ? INTERVAL_MS : false,
    refetchIntervalInBackground: false,
  });
}

export function useCallTotals() {
  return useQuery({
    queryKey: costKeys.totals,
    queryFn: () => request<CallCosts>("/api/costs"),
    refetchInterval: INTERVAL_MS,
    refetchIntervalInBackground: false,
  });
}
