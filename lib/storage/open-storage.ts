import type { Env } from "@/lib/env";
import { localStorage } from "./local-storage";
import { s3Storage } from "./s3-storage";
import type { Storage } from "./storage";

/** The storage backend the environment names (STORAGE=local under DATA_DIR, or STORAGE=s3). */
export function storageFromEnv(e: Env): Storage {
  if (e.STORAGE === "local") return localStorage(e.DATA_DIR);
  return s3Storage({
    bucket: e.S3_BUCKET!,
    prefix: e.S3_PREFIX,
    region: e.S3_REGION,
    endpoint: e.S3_ENDPOINT,
    forcePathStyle: e.S3_FORCE_PATH_STYLE,
    accessKeyId: e.S3_ACCESS_KEY_ID,
    secretAccessKey: e.S3_SECRET_ACCESS_KEY,
  });
}

// One per process (the S3 client keeps its connection pool).
const globalForStorage = globalThis as unknown as { fwStorage?: Storage; fwStorageChecked?: Promise<void> };

export function processStorage(e: Env): Storage {
  globalForStorage.fwStorage ??= storageFromEnv(e);
  return globalForStorage.fwStorage;
}

/** processStorage(), checked once (reachable, writable) before first use. */
export async function checkedProcessStorage(e: Env): Promise<Storage> {
  const storage = processStorage(e);
  globalForStorage.fwStorageChecked ??= storage.check().catch((error) => {
    globalForStorage.fwStorageChecked = undefined;
    throw error;
  });
  await globalForStorage.fwStorageChecked;
  return storage;
}
