import type { Storage } from "./storage";

// A worker reads back most of the frames it writes: extraction stores a
// video's frames and the frame engine reads each one moments later; the
// engine stores each enhanced frame and the early encode reads it moments
// later. On S3 each of those reads is a GET: a request's round trip and its
// CPU (signing, parsing, the store's own work), one per frame and per step.
//
// This keeps the frame images this process wrote, up to a byte budget
// (oldest out first), and answers reads of them from memory. Only frame
// images are kept (`frames/` and `enhanced/` of a video, by isFrameKey):
// each is written once and never changes. A frame's source is the same
// image whoever extracts it, and a pack of enhanced frames has a name of its
// own, written once by the claim that named it; a frame already done is never enhanced
// again (DESIGN.md, invariant 2). Anything this process deletes, copies over
// or streams to a kept key is dropped first. Everything else (existence
// checks, listings, streams, other objects) goes to the store.

/** Whether a key holds frame images: videos/<id>/frames/<n>.pack (32 extracted frames), videos/<id>/enhanced/<name>.pack (the frames one claim enhanced) or videos/<id>/enhanced/<n>.jpg (one frame). */
export function isFrameKey(key: string): boolean {
  return /^videos\/[^/]+\/(frames|enhanced)\/[^/]+$/.test(key);
}

export interface RecentFrames {
  readonly storage: Storage;
  /** Reads answered from memory, and bytes held now (for logs and tests). */
  stats(): { hits: number; misses: number; bytes: number; objects: number };
}

export function withRecentFrames(inner: Storage, maxBytes: number): RecentFrames {
  // A Map keeps insertion order: the first entry is the oldest.
  const kept = new Map<string, Buffer>();
  let bytes = 0;
  let hits = 0;
  let misses = 0;

  const drop = (key: string) => {
    const old = kept.get(key);
    if (!old) return;
    kept.delete(key);
    bytes -= old.length;
  };
  const keep = (key: string, view: Buffer) => {
    drop(key);
    if (view.length > maxBytes) return;
    // A frame split out of a pipe's chunk is a view that keeps the whole chunk
    // alive: kept as a copy of its own, so the budget counts what is held.
    const data = view.buffer.byteLength > view.length ? copyOf(view) : view;
    kept.set(key, data);
    bytes += data.length;
    for (const [oldest, old] of kept) {
      if (bytes <= maxBytes) break;
      kept.delete(oldest);
      bytes -= old.length;
    }
  };
  const dropPrefix = (prefix: string) => {
    for (const key of [...kept.keys()]) if (key.startsWith(prefix)) drop(key);
  };

  const storage: Storage = {
    kind: inner.kind,
    location: inner.location,
    async put(key, body, contentType) {
      drop(key);
      await inner.put(key, body, contentType);
      // Kept only once the store has it: a failed put leaves nothing to read back.
      if (Buffer.isBuffer(body) && isFrameKey(key)) keep(key, body);
    },
    sync: (keys) => inner.sync(keys),
    async putFile(key, file, contentType) {
      drop(key);
      await inner.putFile(key, file, contentType);
    },
    async get(key) {
      const data = kept.get(key);
      if (data) {
        hits++;
        return data;
      }
      if (isFrameKey(key)) misses++;
      return inner.get(key);
    },
    stream: (key, range) => inner.stream(key, range),
    head: (key) => inner.head(key),
    async copy(from, to) {
      drop(to);
      await inner.copy(from, to);
    },
    async delete(key) {
      drop(key);
      await inner.delete(key);
    },
    async deletePrefix(prefix) {
      dropPrefix(prefix);
      return inner.deletePrefix(prefix);
    },
    usage: (prefix) => inner.usage(prefix),
    mediaInput: (key) => inner.mediaInput(key),
    check: () => inner.check(),
  };
  return { storage, stats: () => ({ hits, misses, bytes, objects: kept.size }) };
}

function copyOf(view: Buffer): Buffer {
  const copy = Buffer.allocUnsafeSlow(view.length);
  view.copy(copy);
  return copy;
}
