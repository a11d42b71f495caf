// The HTTP API's shapes as the browser sees them (DESIGN.md, "HTTP API").
// Declared here rather than imported from lib/ so that nothing server-side can
// leak into the client bundle through a type-only import that later grows.
export type VideoStatus = "queued" | "processing" | "completed" | "failed" | "canceled";
export type StageStatus = "pending" | "running" | "succeeded" | "failed" | "skipped" | "canceled";
export type FrameStatus = "pending" | "running" | "succeeded" | "failed";
export type StageName = "preprocess" | "enhance" | "thumbnails" | "captions" | "encode";

export const STAGE_NAMES: readonly StageName[] = ["preprocess", "enhance", "thumbnails", "captions", "encode"];
export const VIDEO_STATUSES: readonly VideoStatus[] = ["queued", "processing", "completed", "failed", "canceled"];
export const TERMINAL_VIDEO_STATUSES: readonly VideoStatus[] = ["completed", "failed", "canceled"];

export interface ApiErrorBody {
  code: string;
  message: string;
  detail?: string;
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
}

export interface TimelinePoint {
  t: string;
  succeeded: number;
  failed: number;
}

export interface FrameMap {
  frameCount: number;
  /** One character per frame: p pending, r running, s succeeded, f failed. */
  statuses: string;
}

export interface FrameError {
  errorClass: string;
  message: string;
  httpStatus: number | null;
  bodyExcerpt: string | null;
  retryable: boolean;
  attempt: number;
  workerId: string | null;
  durationMs: number | null;
  at: string;
}

export interface FrameRow {
  index: number;
  timeSec: number;
  status: FrameStatus;
  attempts: number;
  workerId: string | null;
  updatedAt: string;
  fingerprint: string | null;
  lastError: FrameError | null;
}

export interface FramePage {
  frames: FrameRow[];
  nextCursor: string | null;
}

export interface ErrorGroup {
  fingerprint: string;
  errorClass: string;
  httpStatus: number | null;
  message: string;
  count: number;
}

export interface FrameAttempt {
  attempt: number;
  workerId: string | null;
  error: unknown;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
}

export interface FrameDetail {
  index: number;
  timeSec: number;
  status: FrameStatus;
  attempts: number;
  lastError: FrameError | null;
  outputKind: string | null;
  attemptsHistory: FrameAttempt[];
  originalUrl: string;
  enhancedUrl: string | null;
}

export type FrameSort = "index" | "attempts" | "updated";

export interface FrameFilters {
  status: FrameStatus | "all";
  group: string | null;
  sort: FrameSort;
  cursor: string | null;
}

export type RetryTarget = { frames: number[] } | { status: "failed" } | { fingerprint: string };

export interface OpsSnapshot {
  workers: {
    id: string;
    host: string;
    pid: number;
    concurrency: number;
    inFlight: number;
    startedAt: string;
    lastSeenAt: string;
    online: boolean;
  }[];
  queues: { name: string; queued: number; active: number }[];
  enhancer: {
    mode: string;
    breaker: {
      state: "closed" | "open" | "half-open" | string;
      consecutiveFailures: number;
      openedAt: string | null;
      nextProbeAt: string | null;
    };
    limits: { ratePerSec: number; concurrency: number };
    inUse: { permits: number; tokens: number };
  };
  throughput: TimelinePoint[];
}
