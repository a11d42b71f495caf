import type { Enhancer } from "./enhancer";

/** Returns the frame unchanged: isolates the pipeline's own cost in benchmarks. */
export function createNoopEnhancer(): Enhancer {
  return {
    name: "noop",
    enhance: async ({ image }) => image,
  };
}
