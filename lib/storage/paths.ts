import path from "node:path";
import { frameFileName } from "./keys";

// Where a video's files live under DATA_DIR/videos/<id>/ with STORAGE=local
// (the same layout as the storage keys of lib/storage/keys.ts; used by tests
// and tools that look at the disk). Every path is
// derived from ids (never from user input), so an upload's name cannot
// escape its folder. Frame files are 0-based, zero-padded to 6 digits, which
// is also the pattern ffmpeg writes and reads (%06d).
export const FRAME_PATTERN = "%06d.jpg";

export function videoDir(dataDir: string, videoId: string): string {
  return path.join(dataDir, "videos", videoId);
}

export function videoPaths(dataDir: string, videoId: string) {
  const dir = videoDir(dataDir, videoId);
  return {
    dir,
    source: path.join(dir, "source"),
    audio: path.join(dir, "audio.m4a"),
    /** Extracted frames, in packs of 32 (lib/storage/frame-packs.ts). */
    framesDir: path.join(dir, "frames"),
    enhancedDir: path.join(dir, "enhanced"),
    thumbnailsDir: path.join(dir, "thumbnails"),
    captions: path.join(dir, "captions.vtt"),
    output: path.join(dir, "output.mp4"),
    enhancedFrame: (index: number) => path.join(dir, "enhanced", frameFileName(index)),
  };
}

export { frameFileName } from "./keys";

export function uploadsDir(dataDir: string): string {
  return path.join(dataDir, "uploads");
}
