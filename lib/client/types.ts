// The HTTP API's shapes as the browser sees them (DESIGN.md, "HTTP API").
// Where a server read model declares the shape, it is imported from there
// with `import type`, which the compiler erases: one declaration, no server
// code in the bundle. The rest is declared here.
import type { FrameRow } from "@/lib/pipeline/queries/frames";
import type { CallPause } from "@/lib/pipeline/queries/call-pause";
import type { WorkerView } from "@/lib/pipeline/queries/ops";
import type { TimelinePoint } from "@/lib/pipeline/queries/timeline";

export type { FrameError } from "@/lib/pipeline/queries/frame-error";
export type { ErrorGroup, FrameRow } from "@/lib/pipeline/queries/frames";
export type { FrameAttemptView as FrameAttempt, FrameDetail } from "@/lib/pipeline/queries/frame-detail";
export type { TimelinePoint } from "@/lib/pipeline/queries/timeline";
export type { CallPause } from "@/lib/pipeline/queries/call-pause";

export type VideoStatus = "queued" | "processing" | "completed" | "failed" | "canceled";
export type StageStatus = "pending" | "running" | "succeeded" | "failed" | "skipped" | "canceled";
export type FrameStatus = "pending" | "running" | "succeeded" | "failed";
export type StageName = "preprocess" | "enhance" | "thumbnails" | "captions" | "encode";

export const VIDEO_STATUSES: readonly VideoStatus[] = ["queued", "processing", "completed", "failed", "canceled"];
export const TERMINAL_VIDEO_STATUSES: readonly VideoStatus[] = ["completed", "failed", "canceled"];

export interface ApiErrorBody {
  code: string;
  message: string;
  detail?: string;
  /** On a running stage: the run failed for a reason that may pass, and runs again at this time. */
  retryAt?: string;
}

export interface Stage {
  name: StageName;
  status: StageStatus;
  total: number;
  pending: number;
  running: number;
  succeeded: number;
  failed: number;
  progress: number;
  message: string | null;
  error: ApiErrorBody | null;
  startedAt: string | null;
  finishedAt: string | null;
  /** false while extraction runs: `total` is the frames extracted so far, `totalEstimate` the probe's estimate. */
  totalFinal: boolean;
  totalEstimate: number | null;
}

export interface VideoSummary {
  id: string;
  title: string;
  status: VideoStatus;
  error: ApiErrorBody | null;
  createdAt: string;
  durationSec: number | null;
  frameCount: number | null;
  width: number | null;
  height: number | null;
  progress: number;
  etaSec: number | null;
  stages: Stage[];
  posterUrl: string | null;
  outputUrl: string | null;
}

export interface VideoPage {
  videos: VideoSummary[];
  nextCursor: string | null;
}

export interface VideoDetail {
  /** When retention removed the frame files (before/after and retries are then unavailable); null while they are kept. */
  framesPurgedAt: string | null;
  id: string;
  title: string;
  status: VideoStatus;
  error: ApiErrorBody | null;
  createdAt: string;
  metadata: {
    durationSec: number | null;
    fps: number | null;
    width: number | null;
    height: number | null;
    frameCount: number | null;
    hasAudio: boolean | null;
    videoCodec: string | null;
    audioCodec: string | null;
    sizeBytes: number | null;
    originalName: string | null;
  };
  stages: Stage[];
  outputs: {
    video: string | null;
    captions: string | null;
    poster: string | null;
    thumbnails: string[];
    thumbnailsVtt: string | null;
  };
  throughput: { fps: number; etaSec: number | null };
  /** Why no frame is being enhanced right now, and until when (lib/pipeline/queries/call-pause.ts). */
  pause: CallPause | null;
  /** Client-side: frames per second over the last seconds of polls (lib/client/recent-rate.ts). */
  recentFps?: number | null;
}

export interface FrameMap {
  frameCount: number;
  /** One character per frame: p pending, r running, s succeeded, f failed. */
  statuses: string;
}

export interface FramePage {
  frames: FrameRow[];
  nextCursor: string | null;
}

export type FrameSort = "index" | "attempts" | "updated";

export interface FrameFilters {
  status: FrameStatus | "all";
  group: string | null;
  sort: FrameSort;
  cursor: string | null;
}

export type RetryTarget = { frames: number[] } | { status: "failed" } | { fingerprint: string } | { stages: StageName[] };

export interface OpsSnapshot {
  workers: WorkerView[];
  queues: { name: string; queued: number; active: number }[];
  enhancer: {
    mode: string;
    breaker: {
      state: "closed" | "open" | "half-open" | string;
      windowFailures: number;
      openedAt: string | null;
      nextProbeAt: string | null;
    };
    limits: { ratePerSec: number; concurrency: number };
    inUse: { permits: number; tokens: number };
  };
  throughput: TimelinePoint[];
  storage: import("@/lib/storage/usage").StorageUsedView;
}
