"use client";
import Link from "next/link";
import { useState, type DragEvent } from "react";
import { cx } from "@/lib/client/class-names";
import { formatBytes, formatEta, formatRelative } from "@/lib/client/format";
import { useTusUpload, type UploadItem } from "@/lib/client/use-tus-upload";
import { Button } from "@/components/ui/button";
import { UploadIcon, XIcon } from "@/components/ui/icons";
import { ProgressBar } from "@/components/ui/progress-bar";

export function UploadDropzone() {
  const { items, interrupted, start, cancel, dismiss, forget } = useTusUpload();
  const [dragging, setDragging] = useState(false);

  function accept(files: FileList | null) {
    for (const file of Array.from(files ?? [])) void start(file);
  }

  function onDrop(e: DragEvent) {
    e.preventDefault();
    setDragging(false);
    accept(e.dataTransfer.files);
  }

  return (
    <div className="space-y-3">
      <label
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
        data-testid="upload-dropzone"
        className={cx(
          "flex cursor-pointer flex-col items-center justify-center gap-2 rounded-xl border-2 border-dashed px-6 py-8 text-center transition-colors",
          "focus-within:border-indigo-500 focus-within:ring-2 focus-within:ring-indigo-500/30",
          dragging
            ? "border-indigo-500 bg-indigo-50 dark:bg-indigo-500/10"
            : "border-zinc-300 bg-white hover:border-zinc-400 dark:border-zinc-700 dark:bg-zinc-900 dark:hover:border-zinc-600",
        )}
      >
        <UploadIcon className="size-7 text-indigo-500" />
        <span className="text-sm font-medium">
          Drop video files here, or <span className="text-indigo-600 underline underline-offset-2 dark:text-indigo-400">choose files</span>
        </span>
        <span className="text-xs text-zinc-500 dark:text-zinc-400">
          Multi-GB files are fine: uploads resume after a reload or a lost connection.
        </span>
        <input
          type="file"
          aria-label="Video file"
          accept="video/*,.mp4,.mov,.mkv,.webm,.avi"
          multiple
          className="sr-only"
          onChange={(e) => {
            accept(e.currentTarget.files);
            e.currentTarget.value = "";
          }}
        />
      </label>

      {interrupted.length > 0 && (
        <div data-testid="interrupted-uploads" className="rounded-lg border border-amber-200 bg-amber-50 px-4 py-3 text-sm dark:border-amber-900/60 dark:bg-amber-950/30">
          <p className="font-medium text-amber-900 dark:text-amber-200">Interrupted uploads — pick the same file again to resume</p>
          <ul className="mt-2 space-y-1">
            {interrupted.map((p) => (
              <li key={p.urlStorageKey} className="flex items-center justify-between gap-3 text-amber-900 dark:text-amber-100">
                <span className="truncate">
                  {p.metadata.filename ?? "Unnamed file"} · {formatBytes(p.size)} · started {formatRelative(new Date(p.creationTime).toISOString())}
                </span>
                <Button size="sm" variant="ghost" onClick={() => void forget(p)}>
                  Discard
                </Button>
              </li>
            ))}
          </ul>
        </div>
      )}

      {items.length > 0 && (
        <ul className="space-y-2" aria-label="Uploads">
          {items.map((item) => (
            <UploadRow key={item.key} item={item} onCancel={() => void cancel(item.key)} onDismiss={() => dismiss(item.key)} />
          ))}
        </ul>
      )}
    </div>
  );
}

function UploadRow({ item, onCancel, onDismiss }: { item: UploadItem; onCancel: () => void; onDismiss: () => void }) {
  const ratio = item.size > 0 ? item.bytesSent / item.size : 0;
  const remaining = item.speed > 0 ? (item.size - item.bytesSent) / item.speed : null;
  return (
    <li
      data-testid="upload-item"
      data-status={item.status}
      className="rounded-lg border border-zinc-200 bg-white px-4 py-3 dark:border-zinc-800 dark:bg-zinc-900"
    >
      <div className="flex items-center justify-between gap-3">
        <div className="min-w-0">
          <p className="truncate text-sm font-medium">{item.name}</p>
          <p className="text-xs text-zinc-500 dark:text-zinc-400" aria-live="polite">
            {statusLine(item, ratio, remaining)}
          </p>
        </div>
        {item.status === "uploading" ? (
          <Button size="sm" onClick={onCancel} aria-label={`Cancel upload of ${item.name}`}>
            Cancel
          </Button>
        ) : item.status === "done" && item.videoId ? (
          <div className="flex items-center gap-1">
            <Link href={`/videos/${item.videoId}`} className="text-sm font-medium text-indigo-600 hover:underline dark:text-indigo-400">
              Open video
            </Link>
            <DismissButton name={item.name} onClick={onDismiss} />
          </div>
        ) : item.status !== "finalizing" ? (
          <DismissButton name={item.name} onClick={onDismiss} />
        ) : null}
      </div>
      {(item.status === "uploading" || item.status === "finalizing") && (
        <ProgressBar value={ratio} label={`Upload progress for ${item.name}`} size="sm" className="mt-2" animated />
      )}
      {item.error && (
        <p role="alert" className="mt-1 text-sm text-red-600 dark:text-red-400">
          {item.error}
        </p>
      )}
    </li>
  );
}

function DismissButton({ name, onClick }: { name: string; onClick: () => void }) {
  return (
    <Button size="sm" variant="ghost" onClick={onClick} aria-label={`Dismiss ${name}`}>
      <XIcon className="size-4" />
    </Button>
  );
}

function statusLine(item: UploadItem, ratio: number, remaining: number | null): string {
  const pct = `${Math.floor(ratio * 100)}%`;
  switch (item.status) {
    case "uploading":
      return [
        item.resumed ? `${pct} (resumed)` : pct,
        `${formatBytes(item.bytesSent)} of ${formatBytes(item.size)}`,
        item.speed > 0 ? `${formatBytes(item.speed)}/s` : "starting…",
        remaining !== null ? `${formatEta(remaining)} left` : null,
      ]
        .filter(Boolean)
        .join(" · ");
    case "finalizing":
      return `${formatBytes(item.size)} uploaded — checking the file…`;
    case "done":
      return `${formatBytes(item.size)} uploaded — processing has started`;
    case "canceled":
      return "Canceled; the partial upload was discarded";
    case "error":
      return item.bytesSent >= item.size ? `${formatBytes(item.size)} uploaded, then refused by the server` : `Stopped at ${pct}`;
  }
}
