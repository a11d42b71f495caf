"use client";
// Resumable uploads with tus-js-client. The library does the protocol, chunking,
// retries and the fingerprint store (localStorage) that lets an upload
// interrupted by a reload or a server restart continue from its last byte when
// the operator picks the same file again. This hook only adds what the page
// shows: progress, a smoothed speed, cancel, and finding the video the server
// creates once the last byte lands.
import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState } from "react";
import { Upload, defaultOptions, type DetailedError, type PreviousUpload } from "tus-js-client";
import { ApiError, api } from "./api";

export type UploadStatus = "uploading" | "finalizing" | "done" | "error" | "canceled";

export interface UploadItem {
  key: string;
  name: string;
  size: number;
  bytesSent: number;
  /** bytes per second, averaged over the last few seconds */
  speed: number;
  status: UploadStatus;
  resumed: boolean;
  error: string | null;
  videoId: string | null;
}

const CHUNK_SIZE = 8 * 1024 * 1024;
const SPEED_WINDOW_MS = 5000;
const FIND_VIDEO_ATTEMPTS = 120;

const titleFrom = (name: string) => name.replace(/\.[^.]+$/, "") || name;

function sentenceFrom(error: Error | DetailedError): string {
  const response = "originalResponse" in error ? error.originalResponse : null;
  if (response) {
    try {
      const body = JSON.parse(response.getBody()) as { error?: { message?: string } };
      if (body.error?.message) return body.error.message;
    } catch {
      // not JSON
    }
    return `The server refused the upload (HTTP ${response.getStatus()}).`;
  }
  return "The upload was interrupted. Pick the same file again to resume where it stopped.";
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function useTusUpload() {
  const client = useQueryClient();
  const [items, setItems] = useState<UploadItem[]>([]);
  const [interrupted, setInterrupted] = useState<PreviousUpload[]>([]);
  const uploads = useRef(new Map<string, Upload>());

  const patch = useCallback((key: string, change: Partial<UploadItem>) => {
    setItems((list) => list.map((item) => (item.key === key ? { ...item, ...change } : item)));
  }, []);

  useEffect(() => {
    defaultOptions.urlStorage
      .findAllUploads()
      .then(setInterrupted)
      .catch(() => setInterrupted([]));
  }, []);

  // Leaving the page mid-upload is safe (it resumes), but say so before it happens.
  const active = items.some((i) => i.status === "uploading");
  useEffect(() => {
    if (!active) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [active]);

  const findVideo = useCallback(
    async (key: string, uploadUrl: string) => {
      const uploadId = decodeURIComponent(new URL(uploadUrl, window.location.href).pathname.split("/").filter(Boolean).pop() ?? "");
      for (let attempt = 0; attempt < FIND_VIDEO_ATTEMPTS; attempt++) {
        try {
          const { videoId } = await api.findUploadedVideo(uploadId);
          patch(key, { status: "done", videoId });
          await client.invalidateQueries({ queryKey: ["videos", "list"] });
          return;
        } catch (error) {
          if (!(error instanceof ApiError) || error.status !== 404) {
            patch(key, { status: "error", error: error instanceof Error ? error.message : String(error) });
            return;
          }
        }
        await sleep(1000);
      }
      patch(key, { status: "error", error: "The file arrived, but the server has not created its video yet. Refresh the list in a minute." });
    },
    [client, patch],
  );

  const start = useCallback(
    async (file: File) => {
      const key = `${file.name}-${file.size}-${file.lastModified}-${Date.now()}`;
      const samples: Array<[number, number]> = [];
      let lastPaint = 0;
      const upload = new Upload(file, {
        endpoint: "/api/uploads",
        chunkSize: CHUNK_SIZE,
        retryDelays: [0, 1000, 3000, 5000, 10000, 20000],
        metadata: { filename: file.name, filetype: file.type || "application/octet-stream", title: titleFrom(file.name) },
        storeFingerprintForResuming: true,
        removeFingerprintOnSuccess: true,
        onProgress: (sent, total) => {
          const now = performance.now();
          samples.push([now, sent]);
          while (samples.length > 2 && now - samples[0]![0] > SPEED_WINDOW_MS) samples.shift();
          if (now - lastPaint < 200 && sent < total) return;
          lastPaint = now;
          const [t0, b0] = samples[0]!;
          const speed = now > t0 ? ((sent - b0) / (now - t0)) * 1000 : 0;
          patch(key, { bytesSent: sent, speed });
        },
        onSuccess: () => {
          uploads.current.delete(key);
          patch(key, { bytesSent: file.size, speed: 0, status: "finalizing" });
          if (upload.url) void findVideo(key, upload.url);
        },
        onError: (error) => {
          uploads.current.delete(key);
          patch(key, { status: "error", speed: 0, error: sentenceFrom(error) });
        },
      });
      uploads.current.set(key, upload);

      const previous = await upload.findPreviousUploads().catch(() => []);
      const resumable = previous[0];
      if (resumable) {
        upload.resumeFromPreviousUpload(resumable);
        setInterrupted((list) => list.filter((p) => p.urlStorageKey !== resumable.urlStorageKey));
      }
      setItems((list) => [
        { key, name: file.name, size: file.size, bytesSent: 0, speed: 0, status: "uploading", resumed: !!resumable, error: null, videoId: null },
        ...list,
      ]);
      upload.start();
    },
    [findVideo, patch],
  );

  const cancel = useCallback(
    async (key: string) => {
      const upload = uploads.current.get(key);
      uploads.current.delete(key);
      patch(key, { status: "canceled", speed: 0 });
      // abort(true) also asks the server to delete the partial file (tus termination).
      await upload?.abort(true).catch(() => undefined);
    },
    [patch],
  );

  const dismiss = useCallback((key: string) => setItems((list) => list.filter((i) => i.key !== key)), []);

  const forget = useCallback(async (previous: PreviousUpload) => {
    setInterrupted((list) => list.filter((p) => p.urlStorageKey !== previous.urlStorageKey));
    await defaultOptions.urlStorage.removeUpload(previous.urlStorageKey).catch(() => undefined);
    if (previous.uploadUrl) await Upload.terminate(previous.uploadUrl).catch(() => undefined);
  }, []);

  return { items, interrupted, start, cancel, dismiss, forget };
}
