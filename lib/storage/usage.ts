import type { Storage } from "./storage";

// "Storage used" on the operations page. Counting means listing every
// object (S3: 1,000 keys a request; local: a walk of DATA_DIR/videos), so
// the figure is measured at most once a minute per web process and says
// when it was measured.

export interface StorageUsedView {
  backend: "local" | "s3";
  location: string;
  /** Everything under videos/ (sources, frames, outputs, thumbnails, captions) and in-progress uploads. */
  videos: { objects: number; bytes: number };
  uploads: { objects: number; bytes: number };
  measuredAt: string;
}

const TTL_MS = 60_000;
const globalForUsage = globalThis as unknown as { fwStorageUsed?: { at: number; view: Promise<StorageUsedView> } };

export function storageUsed(storage: Storage, now = Date.now()): Promise<StorageUsedView> {
  const cached = globalForUsage.fwStorageUsed;
  if (cached && now - cached.at < TTL_MS) return cached.view;
  const view = (async () => {
    const [videos, uploads] = await Promise.all([storage.usage("videos/"), storage.usage("uploads/")]);
    return { backend: storage.kind, location: storage.location, videos, uploads, measuredAt: new Date().toISOString() };
  })();
  globalForUsage.fwStorageUsed = { at: now, view };
  view.catch(() => {
    if (globalForUsage.fwStorageUsed?.view === view) globalForUsage.fwStorageUsed = undefined;
  });
  return view;
}
