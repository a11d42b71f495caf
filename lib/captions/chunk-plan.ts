import type { Silence } from "./speech-wav";

// Where to cut long audio so each piece stays under the endpoint's upload
// limit. Cutting in the middle of a silence keeps every word whole in one
// piece; only speech with no pause for a whole chunk gets a hard cut.

export interface AudioChunk {
  index: number;
  startSec: number;
  endSec: number;
}

export function planChunks({ durationSec, maxChunkSec, silences }: { durationSec: number; maxChunkSec: number; silences: readonly Silence[] }): AudioChunk[] {
  if (!(maxChunkSec > 0)) throw new RangeError("maxChunkSec must be positive");
  // Candidate cut points: the middle of each silence.
  const cuts = silences
    .map((s) => (s.startSec + s.endSec) / 2)
    .filter((t) => t > 0 && t < durationSec)
    .sort((a, b) => a - b);
  const chunks: AudioChunk[] = [];
  let start = 0;
  while (durationSec - start > maxChunkSec) {
    const limit = start + maxChunkSec;
    // The latest pause that still fits; prefer one past the chunk's first
    // half so we do not make many tiny uploads, but take any pause over none.
    const inRange = cuts.filter((t) => t > start && t <= limit);
    const late = inRange.filter((t) => t >= start + maxChunkSec / 2);
    const cut = late.at(-1) ?? inRange.at(-1) ?? limit;
    chunks.push({ index: chunks.length, startSec: start, endSec: cut });
    start = cut;
  }
  chunks.push({ index: chunks.length, startSec: start, endSec: durationSec });
  return chunks;
}
