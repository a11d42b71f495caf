import { mkdir } from "node:fs/promises";
import { frameExists, readFrame, syncFiles, writeFrameAtomically } from "./frame-files";
import { videoPaths } from "./paths";

/**
 * Where the frame engine reads a frame's source image and keeps its result.
 * The local store is DATA_DIR; an object store (S3) would implement the same
 * three calls, with a conditional put standing in for temp + rename.
 */
export interface FrameStore {
  prepare(videoId: string): Promise<void>;
  readSource(videoId: string, frameIndex: number): Buffer;
  hasResult(videoId: string, frameIndex: number): boolean;
  /** Atomic: a reader sees the whole result or none. */
  writeResult(videoId: string, frameIndex: number, data: Buffer, attemptToken: string): void;
  /** Durable: the results written survive a power loss once this resolves (called before their rows are marked). */
  persistResults?(videoId: string, frameIndexes: number[]): Promise<void>;
}

export function localFrameStore(dataDir: string): FrameStore {
  return {
    prepare: async (videoId) => {
      await mkdir(videoPaths(dataDir, videoId).enhancedDir, { recursive: true });
    },
    readSource: (videoId, i) => readFrame(videoPaths(dataDir, videoId).frame(i)),
    hasResult: (videoId, i) => frameExists(videoPaths(dataDir, videoId).enhancedFrame(i)),
    writeResult: (videoId, i, data, token) => writeFrameAtomically(videoPaths(dataDir, videoId).enhancedFrame(i), data, token),
    persistResults: async (videoId, indexes) => {
      const paths = videoPaths(dataDir, videoId);
      if (indexes.length > 0) await syncFiles(indexes.map((i) => paths.enhancedFrame(i)), paths.enhancedDir);
    },
  };
}
