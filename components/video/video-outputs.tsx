"use client";
import type { VideoDetail } from "@/lib/client/types";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { DownloadIcon } from "@/components/ui/icons";

export function VideoOutputs({ video }: { video: VideoDetail }) {
  const { outputs } = video;
  return (
    <Card aria-labelledby="outputs-title">
      <CardHeader
        id="outputs-title"
        title="Enhanced video"
        description={outputs.captions ? "With captions (CC in the player)." : video.metadata.hasAudio === false ? "No audio track, so no captions." : undefined}
        actions={
          <>
            {outputs.video && (
              <a href={outputs.video} download className="inline-flex items-center gap-1 text-sm font-medium text-indigo-600 hover:underline dark:text-indigo-400">
                <DownloadIcon className="size-4" /> MP4
              </a>
            )}
            {outputs.captions && (
              <a href={outputs.captions} download className="text-sm font-medium text-indigo-600 hover:underline dark:text-indigo-400">
                Captions (.vtt)
              </a>
            )}
          </>
        }
      />
      <CardBody className="space-y-4">
        {outputs.video ? (
          <video
            data-testid="output-video"
            controls
            preload="metadata"
            playsInline
            poster={outputs.poster ?? undefined}
            className="aspect-video w-full rounded-lg bg-black"
          >
            <source src={outputs.video} type="video/mp4" />
            {outputs.captions && <track kind="captions" src={outputs.captions} srcLang="en" label="English" default />}
          </video>
        ) : (
          <EmptyState
            title={video.status === "failed" || video.status === "canceled" ? "No output for this video" : "The enhanced video appears here once encode finishes"}
            description={video.status === "failed" ? "Fix or retry the failed frames, or encode anyway." : undefined}
          />
        )}
        {outputs.thumbnails.length > 0 && (
          <div>
            <h3 className="mb-2 text-xs font-medium text-zinc-500 uppercase dark:text-zinc-400">Thumbnails</h3>
            <ul className="flex gap-2 overflow-x-auto pb-2" data-testid="thumbnails" aria-label="Thumbnails">
              {outputs.thumbnails.map((src, i) => (
                <li key={src} className="shrink-0">
                  <a href={src} target="_blank" rel="noreferrer" className="block rounded-md focus-visible:outline-2 focus-visible:outline-indigo-500">
                    {/* eslint-disable-next-line @next/next/no-img-element -- authenticated API image */}
                    <img src={src} alt={`Thumbnail ${i + 1}`} loading="lazy" className="h-20 w-auto rounded-md bg-zinc-200 dark:bg-zinc-800" />
                  </a>
                </li>
              ))}
            </ul>
          </div>
        )}
      </CardBody>
    </Card>
  );
}
