"use client";
import { useRouter } from "next/navigation";
import { useState, type ReactNode } from "react";
import { toast } from "sonner";
import { messageOf } from "@/lib/client/api";
import { formatCount, pluralize } from "@/lib/client/format";
import { isLive, useCancel, useDeleteVideo, useEncodeAnyway, useRetry } from "@/lib/client/queries";
import type { VideoDetail } from "@/lib/client/types";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/dialog";
import { useCan } from "@/components/auth/current-user";

type Action = "cancel" | "retry" | "encode" | "delete";

interface Plan {
  title: string;
  description: ReactNode;
  confirmLabel: string;
  tone: "primary" | "danger";
}

export function VideoActions({ video }: { video: VideoDetail }) {
  const router = useRouter();
  const [open, setOpen] = useState<Action | null>(null);
  const cancel = useCancel(video.id);
  const retry = useRetry(video.id);
  const encode = useEncodeAnyway(video.id);
  const remove = useDeleteVideo(video.id);
  const canAct = useCan("operator");

  const enhance = video.stages.find((s) => s.name === "enhance");
  const encodeStage = video.stages.find((s) => s.name === "encode");
  const failed = enhance?.failed ?? 0;
  const succeeded = enhance?.succeeded ?? 0;
  const unfinished = (enhance?.pending ?? 0) + (enhance?.running ?? 0);
  const live = isLive(video.status);
  const failedStages = video.stages.filter((s) => s.status === "failed").map((s) => s.name);
  const canEncodeAnyway =
    failed > 0 && unfinished === 0 && encodeStage?.status !== "running" && encodeStage?.status !== "succeeded";

  const plans: Record<Action, Plan> = {
    cancel: {
      title: `Cancel processing of “${video.title}”?`,
      description: `Work stops: ${pluralize(unfinished, "frame")} not yet enhanced are taken off the queue and later stages do not start. The ${pluralize(succeeded, "frame")} already enhanced stay enhanced.`,
      confirmLabel: "Cancel processing",
      tone: "danger",
    },
    retry: {
      title: failed > 0 ? `Re-queue ${pluralize(failed, "failed frame")}?` : "Retry the failed stages?",
      description:
        failed > 0
          ? `Only these ${formatCount(failed)} frames are sent to the enhancer again; the ${pluralize(succeeded, "frame")} that already succeeded are skipped. Thumbnails and encode run again once they finish.`
          : `${failedStages.join(", ") || "The failed stages"} and what depends on ${failedStages.length === 1 ? "it" : "them"} run again; finished work is kept and no frame is enhanced again.`,
      confirmLabel: failed > 0 ? `Re-queue ${formatCount(failed)}` : "Retry",
      tone: "primary",
    },
    encode: {
      title: `Encode with ${pluralize(failed, "frame")} not enhanced?`,
      description: `The ${pluralize(failed, "failed frame")} are replaced by their original, un-enhanced image and the video is encoded now with the other ${pluralize(succeeded, "enhanced frame")}.`,
      confirmLabel: "Encode anyway",
      tone: "primary",
    },
    delete: {
      title: `Delete “${video.title}”?`,
      description: `The upload, its ${video.metadata.frameCount !== null ? pluralize(video.metadata.frameCount, "frame") : "frames"} (original and enhanced), the output video, thumbnails and captions are removed for good. This cannot be undone.`,
      confirmLabel: "Delete video",
      tone: "danger",
    },
  };

  const pending = cancel.isPending || retry.isPending || encode.isPending || remove.isPending;

  async function run(action: Action) {
    try {
      if (action === "cancel") {
        await cancel.mutateAsync(undefined);
        toast.success("Processing canceled; finished frames are kept.");
      } else if (action === "retry" && failed === 0) {
        // No failed frame: a stage failed on its own (encode, thumbnails, ...); run those again.
        await retry.mutateAsync({ stages: failedStages });
        toast.success(`${failedStages.join(", ")} run${failedStages.length === 1 ? "s" : ""} again.`);
      } else if (action === "retry") {
        const { requeued } = await retry.mutateAsync({ status: "failed" });
        if (requeued > 0) toast.success(`${pluralize(requeued, "frame")} re-queued.`);
        else toast.info("Nothing to re-queue: no frame is failed any more.");
      } else if (action === "encode") {
        const { substituted } = await encode.mutateAsync(undefined);
        toast.success(`Encoding started with ${pluralize(substituted, "original frame")} substituted.`);
      } else {
        await remove.mutateAsync();
        toast.success(`“${video.title}” deleted.`);
        router.push("/");
      }
    } catch (error) {
      toast.error(messageOf(error));
    } finally {
      setOpen(null);
    }
  }

  const plan = open ? plans[open] : null;
  if (!canAct) return null;
  return (
    <div className="flex flex-wrap items-center gap-2" role="group" aria-label="Video actions">
      {live && <Button onClick={() => setOpen("cancel")}>Cancel</Button>}
      {(failed > 0 || video.status === "failed") && (
        <Button variant="primary" onClick={() => setOpen("retry")}>
          {failed > 0 ? `Retry failed (${formatCount(failed)})` : "Retry failed"}
        </Button>
      )}
      {canEncodeAnyway && <Button onClick={() => setOpen("encode")}>Encode anyway</Button>}
      <Button variant="ghost" className="text-red-600 dark:text-red-400" onClick={() => setOpen("delete")}>
        Delete
      </Button>
      <ConfirmDialog
        open={plan !== null}
        title={plan?.title ?? ""}
        description={plan?.description}
        confirmLabel={plan?.confirmLabel ?? ""}
        tone={plan?.tone}
        pending={pending}
        onConfirm={() => open && void run(open)}
        onClose={() => !pending && setOpen(null)}
      />
    </div>
  );
}
