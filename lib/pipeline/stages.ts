// The pipeline as data (pure: no I/O). A stage starts exactly once, when every
// stage it depends on has finished; see lib/pipeline/flow.ts (advanceVideo)
// and the guarded updates of lib/pipeline/sql/stage-rows.ts.
export const STAGES = ["preprocess", "enhance", "thumbnails", "captions", "encode"] as const;
export type StageName = (typeof STAGES)[number];

// One exception to "starts when its dependencies have finished": enhance is
// started by preprocess itself as extraction begins (startEnhanceWithExtraction
// in flow.ts), so frames are enhanced as they land; its dependency on
// preprocess still holds for its end (the fan-in waits for extraction).
export const STAGE_DEPENDENCIES: Record<StageName, readonly StageName[]> = {
  preprocess: [],
  enhance: ["preprocess"],
  thumbnails: ["enhance"],
  captions: ["preprocess"],
  encode: ["enhance"],
};

export type StageStatus = "pending" | "running" | "succeeded" | "failed" | "skipped" | "canceled";
export type VideoStatus = "queued" | "processing" | "completed" | "failed" | "canceled";
export type FrameStatus = "pending" | "running" | "succeeded" | "failed";

export const FINISHED_STAGE: readonly StageStatus[] = ["succeeded", "skipped"];
export const TERMINAL_VIDEO: readonly VideoStatus[] = ["completed", "failed", "canceled"];

export function dependentsOf(stage: StageName): StageName[] {
  return STAGES.filter((s) => STAGE_DEPENDENCIES[s].includes(stage));
}

/** Every stage downstream of `stage` (transitively), in pipeline order. */
export function downstreamOf(stage: StageName): StageName[] {
  const seen = new Set<StageName>();
  const visit = (s: StageName) => {
    for (const d of dependentsOf(s)) {
      if (!seen.has(d)) {
        seen.add(d);
        visit(d);
      }
    }
  };
  visit(stage);
  return STAGES.filter((s) => seen.has(s));
}

/** Stages whose dependencies are all finished, among those still pending. */
export function readyStages(statuses: Record<StageName, StageStatus>): StageName[] {
  return STAGES.filter(
    (s) => statuses[s] === "pending" && STAGE_DEPENDENCIES[s].every((d) => FINISHED_STAGE.includes(statuses[d])),
  );
}

/** The video's status implied by its stages. */
export function videoStatusFrom(statuses: Record<StageName, StageStatus>): VideoStatus {
  const all = STAGES.map((s) => statuses[s]);
  if (all.some((s) => s === "canceled")) return "canceled";
  if (all.some((s) => s === "failed")) return "failed";
  if (all.every((s) => FINISHED_STAGE.includes(s))) return "completed";
  if (all.every((s) => s === "pending")) return "queued";
  return "processing";
}
