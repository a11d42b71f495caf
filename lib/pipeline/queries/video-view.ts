import "server-only";
import type { Prisma } from "@/lib/generated/prisma/client";
import { STAGES, TERMINAL_VIDEO, type StageName } from "@/lib/pipeline/stages";

// The JSON a video becomes in the API (pure mapping from rows). Stage weights
// make one overall progress figure: enhance is most of the work.
const WEIGHTS: Record<StageName, number> = { preprocess: 0.15, enhance: 0.65, thumbnails: 0.03, captions: 0.05, encode: 0.12 };

export const videoInclude = { stages: true } satisfies Prisma.VideoInclude;
export type VideoRow = Prisma.VideoGetPayload<{ include: typeof videoInclude }>;
type StageRow = VideoRow["stages"][number];

export interface StageView {
  name: StageName;
  status: string;
  total: number;
  pending: number;
  running: number;
  succeeded: number;
  failed: number;
  progress: number;
  message: string | null;
  error: unknown;
  result: unknown;
  startedAt: string | null;
  finishedAt: string | null;
  /**
   * Enhance runs while frames are still being extracted: until extraction
   * ends, `total` counts the frames extracted so far, not the video's.
   * false then, and `totalEstimate` is the probe's estimate of the frames.
   */
  totalFinal: boolean;
  totalEstimate: number | null;
}

/** How many frames the enhance stage will have: known once extraction ended, else the probe's estimate. */
interface FramesExpected {
  final: boolean;
  estimate: number | null;
}

function framesExpected(v: VideoRow): FramesExpected {
  const final = v.stages.find((s) => s.name === "preprocess")?.status === "succeeded";
  const probed = v.durationSec && v.fpsNum && v.fpsDen ? Math.round((v.durationSec * v.fpsNum) / v.fpsDen) : null;
  return { final, estimate: v.frameCount ?? probed };
}

/** The enhance stage's frame count to measure progress against: never less than the estimate while frames are still arriving. */
function enhanceTotal(s: StageRow, expected: FramesExpected): number {
  return expected.final ? s.total : Math.max(s.total, expected.estimate ?? 0);
}

export function stageProgress(s: StageRow, expected: FramesExpected = { final: true, estimate: null }): number {
  if (s.status === "succeeded" || s.status === "skipped") return 1;
  if (s.name === "enhance") {
    const total = enhanceTotal(s, expected);
    return total > 0 ? Math.min(1, (s.succeeded + s.failed) / total) : 0;
  }
  return s.progress;
}

export function stageView(s: StageRow, expected: FramesExpected = { final: true, estimate: null }): StageView {
  const frames = s.name === "enhance";
  return {
    name: s.name as StageName,
    status: s.status,
    total: s.total,
    pending: s.pending,
    running: s.running,
    succeeded: s.succeeded,
    failed: s.failed,
    progress: stageProgress(s, expected),
    message: s.message,
    error: s.error,
    result: s.result,
    startedAt: s.startedAt?.toISOString() ?? null,
    finishedAt: s.finishedAt?.toISOString() ?? null,
    totalFinal: !frames || expected.final,
    totalEstimate: frames ? expected.estimate : null,
  };
}

export function orderedStages(v: VideoRow): StageView[] {
  const expected = framesExpected(v);
  return STAGES.flatMap((name) => {
    const s = v.stages.find((x) => x.name === name);
    return s ? [stageView(s, expected)] : [];
  });
}

export function overallProgress(v: VideoRow): number {
  if (v.status === "completed") return 1;
  const expected = framesExpected(v);
  return v.stages.reduce((sum, s) => sum + WEIGHTS[s.name as StageName] * stageProgress(s, expected), 0);
}

/** Frames per second over the enhance stage so far, and the time left at that pace. */
export function throughput(v: VideoRow, now = Date.now()): { fps: number; etaSec: number | null } {
  const enhance = v.stages.find((s) => s.name === "enhance");
  if (!enhance?.startedAt || enhance.total === 0) return { fps: 0, etaSec: null };
  const end = enhance.finishedAt?.getTime() ?? now;
  const seconds = Math.max(0.001, (end - enhance.startedAt.getTime()) / 1000);
  const done = enhance.succeeded + enhance.failed;
  const fps = done / seconds;
  // Frames not extracted yet are still to be enhanced.
  const left = enhanceTotal(enhance, framesExpected(v)) - done;
  const etaSec = TERMINAL_VIDEO.includes(v.status as never) ? null : fps > 0 ? Math.round(left / fps) : null;
  return { fps: Math.round(fps * 10) / 10, etaSec };
}

export function outputs(v: VideoRow) {
  const done = (name: StageName) => v.stages.find((s) => s.name === name)?.status === "succeeded";
  const thumbs = v.stages.find((s) => s.name === "thumbnails");
  const count = done("thumbnails") ? Number((thumbs?.result as { count?: number } | null)?.count ?? 0) : 0;
  const base = `/api/videos/${v.id}`;
  return {
    video: done("encode") ? `${base}/output` : null,
    captions: done("captions") ? `${base}/captions.vtt` : null,
    poster: done("thumbnails") ? `${base}/thumbnails/poster` : null,
    thumbnails: Array.from({ length: count }, (_, n) => `${base}/thumbnails/${n}`),
    thumbnailsVtt: done("thumbnails") ? `${base}/thumbnails.vtt` : null,
  };
}
