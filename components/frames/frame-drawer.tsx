"use client";
// The frame drawer: opened by ?frame=<n> on the video and failed-frames pages.
import { toast } from "sonner";
import { messageOf } from "@/lib/client/api";
import { formatClock, formatCount, formatDateTime, formatDuration } from "@/lib/client/format";
import { useFrame, useRetry } from "@/lib/client/queries";
import type { FrameAttempt, FrameDetail } from "@/lib/client/types";
import { StatusBadge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { RequireRole } from "@/components/auth/current-user";
import { Dialog } from "@/components/ui/dialog";
import { ErrorState } from "@/components/ui/empty-state";
import { XIcon } from "@/components/ui/icons";
import { Skeleton } from "@/components/ui/skeleton";
import { TruncatedText } from "@/components/ui/truncated-text";
import { CompareSlider } from "@/components/video/compare-slider";
import { Fact } from "@/components/ui/fact";

export function FrameDrawer({
  videoId,
  index,
  frameCount,
  onNavigate,
  onClose,
}: {
  videoId: string;
  index: number | null;
  frameCount: number | null;
  onNavigate: (index: number) => void;
  onClose: () => void;
}) {
  return (
    <Dialog
      open={index !== null}
      onClose={onClose}
      labelledBy="frame-drawer-title"
      testId="frame-drawer"
      variant="sheet"
    >
      {index !== null && (
        <FrameDrawerBody videoId={videoId} index={index} frameCount={frameCount} onNavigate={onNavigate} onClose={onClose} />
      )}
    </Dialog>
  );
}

function FrameDrawerBody({
  videoId,
  index,
  frameCount,
  onNavigate,
  onClose,
}: {
  videoId: string;
  index: number;
  frameCount: number | null;
  onNavigate: (index: number) => void;
  onClose: () => void;
}) {
  const frame = useFrame(videoId, index);
  const retry = useRetry(videoId);

  async function retryFrame() {
    try {
      const { requeued } = await retry.mutateAsync({ frames: [index] });
      if (requeued > 0) toast.success(`Frame ${formatCount(index)} re-queued.`);
      else toast.info(`Frame ${formatCount(index)} was not re-queued: it is no longer failed.`);
      void frame.refetch();
    } catch (error) {
      toast.error(messageOf(error));
    }
  }

  return (
    <div className="flex h-full flex-col" data-frame-index={index}>
      <header className="flex items-center gap-3 border-b border-zinc-200 px-5 py-3 dark:border-zinc-800">
        <h2 id="frame-drawer-title" className="text-base font-semibold">
          Frame {formatCount(index)}
        </h2>
        {frame.data && <StatusBadge status={frame.data.status} />}
        <div className="ml-auto flex items-center gap-1">
          <Button size="sm" variant="ghost" disabled={index <= 0} onClick={() => onNavigate(index - 1)}>
            ‹ Previous
          </Button>
          <Button
            size="sm"
            variant="ghost"
            disabled={frameCount !== null && index >= frameCount - 1}
            onClick={() => onNavigate(index + 1)}
          >
            Next ›
          </Button>
          <Button size="sm" variant="ghost" onClick={onClose} aria-label="Close frame details" data-autofocus>
            <XIcon className="size-4" />
          </Button>
        </div>
      </header>
      <div className="flex-1 space-y-5 overflow-y-auto px-5 py-4">
        {frame.isPending ? (
          <div role="status" className="space-y-3">
            <span className="sr-only">Loading frame…</span>
            <Skeleton className="aspect-video w-full" />
            <Skeleton className="h-24 w-full" />
          </div>
        ) : !frame.data ? (
          <ErrorState message={messageOf(frame.error)} onRetry={() => void frame.refetch()} />
        ) : (
          <FrameDetails frame={frame.data} onRetry={retryFrame} retrying={retry.isPending} />
        )}
      </div>
    </div>
  );
}

function FrameDetails({ frame, onRetry, retrying }: { frame: FrameDetail; onRetry: () => void; retrying: boolean }) {
  const last = frame.lastError;
  return (
    <>
      <dl className="grid grid-cols-2 gap-x-6 gap-y-2 text-sm sm:grid-cols-4">
        <Fact label="Time in video" value={formatClock(frame.timeSec, 3)} />
        <Fact label="Attempts" value={formatCount(frame.attempts)} />
        <Fact label="Output" value={frame.outputKind ?? "—"} />
        <div className="flex items-end justify-end">
          {frame.status === "failed" && (
            <RequireRole role="operator">
              <Button variant="primary" size="sm" onClick={onRetry} disabled={retrying}>
                {retrying ? "Re-queuing…" : "Retry this frame"}
              </Button>
            </RequireRole>
          )}
        </div>
      </dl>

      {frame.enhancedUrl ? (
        <CompareSlider originalUrl={frame.originalUrl} enhancedUrl={frame.enhancedUrl} alt={`Frame ${frame.index}`} />
      ) : (
        <figure className="space-y-1">
          {/* eslint-disable-next-line @next/next/no-img-element -- authenticated API image */}
          <img src={frame.originalUrl} alt={`Frame ${frame.index}, original`} className="w-full rounded-lg bg-zinc-900" />
          <figcaption className="text-xs text-zinc-500 dark:text-zinc-400">Original. There is no enhanced image for this frame yet.</figcaption>
        </figure>
      )}

      {last && (
        <section aria-labelledby="last-error" className="space-y-2 rounded-lg border border-red-200 bg-red-50/60 p-3 dark:border-red-900/60 dark:bg-red-950/30">
          <h3 id="last-error" className="text-sm font-semibold text-red-800 dark:text-red-200">
            Last error · {last.errorClass}
            {last.httpStatus !== null && ` · HTTP ${last.httpStatus}`}
            {last.retryable ? " · retryable" : " · not retryable"}
          </h3>
          <TruncatedText text={last.message} limit={300} className="text-sm text-red-900 dark:text-red-100" />
          {last.bodyExcerpt && <TruncatedText text={last.bodyExcerpt} limit={400} mono className="text-red-900 dark:text-red-100" />}
        </section>
      )}

      <section aria-labelledby="attempts-title" className="space-y-2">
        <h3 id="attempts-title" className="text-sm font-semibold">
          Failed attempts ({frame.attemptsHistory.length})
        </h3>
        {frame.attemptsHistory.length === 0 ? (
          <p className="text-sm text-zinc-500 dark:text-zinc-400">
            {frame.attempts > 0 ? "No attempt of this frame has failed." : "This frame has not been attempted yet."}
          </p>
        ) : (
          <ol className="space-y-2">
            {[...frame.attemptsHistory].reverse().map((attempt) => (
              <AttemptItem key={`${attempt.attempt}-${attempt.startedAt}`} attempt={attempt} />
            ))}
          </ol>
        )}
      </section>
    </>
  );
}

function AttemptItem({ attempt }: { attempt: FrameAttempt }) {
  const json = attempt.error === null || attempt.error === undefined ? null : JSON.stringify(attempt.error, null, 2);
  return (
    <li data-testid="frame-attempt" className="rounded-lg border border-zinc-200 p-3 text-sm dark:border-zinc-800">
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-zinc-600 dark:text-zinc-400">
        <span className="font-semibold text-zinc-900 dark:text-zinc-100">Attempt {attempt.attempt}</span>
        <span>{json ? "failed" : "succeeded"}</span>
        <span>worker {attempt.workerId ?? "—"}</span>
        <span>{formatDateTime(attempt.startedAt)}</span>
        <span>{formatDuration(attempt.durationMs)}</span>
      </div>
      {json && <TruncatedText text={json} limit={600} mono className="mt-2 rounded-md bg-zinc-50 p-2 dark:bg-zinc-950" />}
    </li>
  );
}
