import type { StageRunner } from "./handlers/stage";

/** Queue name -> runner for the single-job stages. */
export function stageRunners(r: { runPreprocess: StageRunner; runEncode: StageRunner; runThumbnails?: StageRunner; runCaptions?: StageRunner }): Record<string, StageRunner> {
  return {
    preprocess: r.runPreprocess,
    encode: r.runEncode,
    ...(r.runThumbnails ? { thumbnails: r.runThumbnails } : {}),
    ...(r.runCaptions ? { captions: r.runCaptions } : {}),
  };
}
