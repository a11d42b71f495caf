import type { Metadata } from "next";
import { Suspense } from "react";
import { SkeletonRows } from "@/components/ui/skeleton";
import { VideoDetailView } from "@/components/video/video-detail";

export const metadata: Metadata = { title: "Video" };

export default async function VideoPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return (
    <Suspense fallback={<SkeletonRows rows={4} label="Loading video" />}>
      <VideoDetailView id={id} />
    </Suspense>
  );
}
