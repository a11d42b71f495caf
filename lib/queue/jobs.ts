import { z } from "zod";

// Job payloads carry ids only; one schema per queue. The queue name of a stage
// is the stage name; an enhance job delivers a run of frames of one video.
export const QUEUES = {
  preprocess: "preprocess",
  enhance: "enhance",
  thumbnails: "thumbnails",
  captions: "captions",
  encode: "encode",
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

// attempt: the stage's run number when a transient failure scheduled it again (lib/pipeline/stage-run.ts).
export const videoJob = z.object({ videoId: z.string().uuid(), attempt: z.number().int().min(1).optional() });
export type VideoJob = z.infer<typeof videoJob>;

/** One frame of one video: what the engine works on, and the enhance payload of versions before runs. */
export const frameJob = z.object({ videoId: z.string().uuid(), frameIndex: z.number().int().min(0) });
export type FrameJob = z.infer<typeof frameJob>;

/**
 * An enhance job: a run of frames of one video (lib/queue/boss.ts groups
 * them). Only the delivery is batched: each frame keeps its own execution
 * row, claim, lease, fencing token and attempts.
 */
export const frameRunJob = z.object({ videoId: z.string().uuid(), frameIndexes: z.array(z.number().int().min(0)).min(1) });
export type FrameRunJob = z.infer<typeof frameRunJob>;

/**
 * Reads an enhance payload: a run, or a one-frame job queued by an older
 * version (still in a deployed database when this version starts). The
 * schema is picked by shape, so a bad payload's issues name its own fields.
 */
export function parseEnhanceJob(data: unknown): { success: true; frames: FrameJob[] } | { success: false; error: z.ZodError } {
  const isRun = typeof data === "object" && data !== null && "frameIndexes" in data;
  const parsed = isRun ? frameRunJob.safeParse(data) : frameJob.safeParse(data);
  if (!parsed.success) return { success: false, error: parsed.error };
  const job = parsed.data;
  return { success: true, frames: "frameIndexes" in job ? job.frameIndexes.map((frameIndex) => ({ videoId: job.videoId, frameIndex })) : [job] };
}

/** How many frames an enhance payload delivers, without validating it (for the worker's in-flight figure). */
export function deliveredFrames(data: unknown): number {
  const indexes = typeof data === "object" && data !== null ? (data as { frameIndexes?: unknown }).frameIndexes : undefined;
  return Array.isArray(indexes) ? indexes.length : 1;
}
