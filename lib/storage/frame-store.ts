import { FramePackReader } from "./frame-packs";
import { videoKeys } from "./keys";
import type { Storage } from "./storage";

/**
 * Where the frame engine reads a frame's source image (out of its pack of
 * extracted frames) and keeps its result (one object per frame): objects in
 * the video's storage (local disk or S3). writeResult is atomic
 * (temp + rename locally, one PUT on S3): a reader sees the whole result or
 * none, which is what lets a re-claimed frame whose result exists be recorded
 * without a new call.
 */
export interface FrameStore {
  readSource(videoId: string, frameIndex: number): Promise<Buffer>;
  hasResult(videoId: string, frameIndex: number): Promise<boolean>;
  writeResult(videoId: string, frameIndex: number, data: Buffer): Promise<void>;
  /** Durable: the results written survive a power loss once this resolves (called before their rows are marked). */
  persistResults(videoId: string, frameIndexes: number[]): Promise<void>;
}

// One pack reader per storage, so the packs read for one chunk of frames serve the next.
const readers = new WeakMap<Storage, FramePackReader>();

export function storageFrameStore(storage: Storage): FrameStore {
  const reader = readers.get(storage) ?? new FramePackReader(storage);
  readers.set(storage, reader);
  return {
    async readSource(videoId, i) {
      const data = await reader.frame(videoId, i);
      if (!data) throw Object.assign(new Error(`the source image of frame ${i} is not in storage (${storage.kind})`), { code: "ENOENT" });
      return data;
    },
    hasResult: async (videoId, i) => (await storage.head(videoKeys(videoId).enhancedFrame(i))) !== null,
    writeResult: (videoId, i, data) => storage.put(videoKeys(videoId).enhancedFrame(i), data, "image/jpeg"),
    persistResults: async (videoId, indexes) => {
      if (indexes.length > 0) await storage.sync(indexes.map((i) => videoKeys(videoId).enhancedFrame(i)));
    },
  };
}
