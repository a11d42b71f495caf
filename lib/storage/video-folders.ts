import { readdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import { videoDir } from "./paths";

// The video folders of the local layout (DATA_DIR/videos/<id>/), for the
// sweep that removes folders whose video row is gone. Another backend (S3)
// implements the same two calls over its prefixes.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Every video folder, with when it last changed. Names that are not video ids are not ours: left alone. */
export async function listVideoFolders(dataDir: string): Promise<{ videoId: string; modifiedAt: Date }[]> {
  let names: string[];
  try {
    names = await readdir(path.join(dataDir, "videos"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const folders: { videoId: string; modifiedAt: Date }[] = [];
  for (const name of names.filter((n) => UUID.test(n))) {
    try {
      folders.push({ videoId: name, modifiedAt: (await stat(videoDir(dataDir, name))).mtime });
    } catch {
      // removed meanwhile
    }
  }
  return folders;
}

/**
 * Removes a video's folder and everything in it. A writer that has not
 * noticed the video is gone yet (an ffmpeg being killed) can add files while
 * the tree is walked (ENOTEMPTY): retried with a short backoff.
 */
export async function removeVideoFolder(dataDir: string, videoId: string): Promise<void> {
  await rm(videoDir(dataDir, videoId), { recursive: true, force: true, maxRetries: 8, retryDelay: 250 });
}
