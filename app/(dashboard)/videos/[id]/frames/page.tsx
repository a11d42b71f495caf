import type { Metadata } from "next";
import { Suspense } from "react";
import { SkeletonRows } from "@/components/ui/skeleton";
import { FailedFramesView } from "@/components/frames/failed-frames-view";

export const metadata: Metadata = { title: "Failed frames" };

export default async function FailedFramesPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return (
    <Suspense fallback={<SkeletonRows rows={6} label="Loading frames" />}>
      <FailedFramesView id={id} />
    </Suspense>
  );
}
