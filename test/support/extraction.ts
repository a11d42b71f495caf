import { copyFile } from "node:fs/promises";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import type { PipelineContext } from "@/lib/pipeline/context";
import { cancelVideo, createVideo } from "@/lib/pipeline/commands";
import { FRAMES_PER_PACK } from "@/lib/storage/keys";
import { videoDir, videoPaths } from "@/lib/storage/paths";
import { makeClip } from "./clips";
import { ffmpegProcessesMentioning, isRunning } from "./processes";
import { waitFor } from "./wait";

/** 40 s at 30 fps: 1,200 frames, an extraction that takes several seconds on the test machine. */
export const LONG_CLIP_FRAMES = 1200;

export function makeLongClip(dataDir: string): Promise<string> {
  return makeClip({ path: path.join(dataDir, "long.mp4"), seconds: 40, width: 640, height: 360, fps: 30, audio: false });
}

/** Frames extracted into `dir` so far: full packs of FRAMES_PER_PACK (the last, partial one lands at the end). */
export const frameFiles = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith(".pack")).length * FRAMES_PER_PACK : 0);

/**
 * Uploads the clip as a new video and waits until a worker's ffmpeg is
 * extracting it; returns its ffmpeg pids. On a loaded machine the test can
 * look only after the extraction has ended or nearly (the clip takes a few
 * seconds); that video is canceled and another upload tried, so the caller
 * always gets an extraction in its first half.
 */
export async function startExtracting(ctx: PipelineContext, clip: string, tries = 3) {
  for (let attempt = 1; ; attempt++) {
    const upload = path.join(ctx.dataDir, `upload-${Math.random().toString(36).slice(2)}.part`);
    await copyFile(clip, upload);
    const { id } = await createVideo(ctx, { tempPath: upload, originalName: "long.mp4", sizeBytes: 1 });
    const framesDir = videoPaths(ctx.dataDir, id).framesDir;
    await waitFor(async () => frameFiles(framesDir) >= 30, { timeoutMs: 60_000, what: "extraction to start" });
    const ffmpeg = await ffmpegProcessesMentioning(videoDir(ctx.dataDir, id));
    // Found in its first half: stopping it still leaves frames unextracted.
    if (ffmpeg.length > 0 && frameFiles(framesDir) < LONG_CLIP_FRAMES / 2) return { id, framesDir, ffmpeg };
    await cancelVideo(ctx, id);
    if (attempt >= tries) throw new Error(`no ffmpeg found in the first half of the extraction in ${tries} tries (${frameFiles(framesDir)} frames were extracted before the test looked)`);
  }
}

export function allGone(pids: number[], what = "ffmpeg to be gone") {
  return waitFor(async () => (await Promise.all(pids.map(isRunning))).every((alive) => !alive), { timeoutMs: 30_000, what });
}
