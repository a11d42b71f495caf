import { z } from "zod";

// Job payloads carry ids only; one schema per queue. The queue name of a stage
// is the stage name; enhance jobs are one per frame.
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

export const frameJob = z.object({ videoId: z.string().uuid(), frameIndex: z.number().int().min(0) });
export type FrameJob = z.infer<typeof frameJob>;
