"use client";
import { useVideoCosts } from "@/lib/client/costs";
import { CallCostsCard } from "@/components/costs/call-figures";

export function CostCard({ videoId, live }: { videoId: string; live: boolean }) {
  return <CallCostsCard costs={useVideoCosts(videoId, live)} scope="This video's enhancer calls" testId="video-costs" />;
}
