import { encodeResultPack, FramePackError, FramePackReader } from "./frame-packs";
import { videoKeys } from "./keys";
import type { Storage } from "./storage";

/**
 * Where the frame engine reads a frame's source image (out of its pack of
 * extracted frames) and keeps its results (a pack of the frames one claim
 * enhanced): objects in the video's storage (local disk or S3).
 * writeResults is atomic (temp + rename locally, one PUT on S3) and durable:
 * a reader sees the whole pack or none, which is what lets a re-claimed frame
 * whose result is in the pack its last claim wrote be recorded without a new
 * call.
 */
export interface FrameStore {
  readSource(videoId: string, frameIndex: number): Promise<Buffer>;
  /** Whether the pack `pack` holds the frame's result. */
  hasResult(videoId: string, frameIndex: number, pack: string): Promise<boolean>;
  /** Stores the results as the pack `pack`; they survive a power loss once this resolves (called before their rows are marked). */
  writeResults(videoId: string, pack: string, frames: { index: number; image: Buffer }[]): Promise<void>;
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
    // An unreadable pack (cut short) holds nothing: the frame is enhanced again.
    hasResult: (videoId, i, pack) => reader.result(videoId, i, pack).then((data) => data !== null, (error) => (error instanceof FramePackError ? false : Promise.reject(error))),
    async writeResults(videoId, pack, frames) {
      const key = videoKeys(videoId).resultPack(pack);
      await storage.put(key, encodeResultPack(frames), "application/octet-stream");
      await storage.sync([key]);
    },
  };
}
