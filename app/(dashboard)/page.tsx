import type { Metadata } from "next";
import { Suspense } from "react";
import { SkeletonRows } from "@/components/ui/skeleton";
import { UploadDropzone } from "@/components/videos/upload-dropzone";
import { RequireRole } from "@/components/auth/current-user";
import { VideoFilters } from "@/components/videos/video-filters";
import { VideoList } from "@/components/videos/video-list";
import { BulkBar } from "@/components/videos/bulk-bar";
import { BulkSelectionProvider } from "@/components/videos/bulk-selection";

export const metadata: Metadata = { title: "Videos" };

export default function VideosPage() {
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-xl font-semibold tracking-tight">Videos</h1>
        <p className="mt-1 text-sm text-zinc-500 dark:text-zinc-400">
          Upload a video; every frame is enhanced, then re-encoded with its audio and captions.
        </p>
      </div>
      <RequireRole role="operator">
        <UploadDropzone />
      </RequireRole>
      <Suspense fallback={<SkeletonRows rows={4} label="Loading videos" />}>
        <BulkSelectionProvider>
          <div className="space-y-4">
            <VideoFilters />
            <BulkBar />
            <VideoList />
          </div>
        </BulkSelectionProvider>
      </Suspense>
    </div>
  );
}
