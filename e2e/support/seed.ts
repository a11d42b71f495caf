// Data each spec seeds for itself: clips with unique names, videos uploaded
// through the API, and the read-side API the specs check the page against.
import { execFile } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { ffmpegPath } from "@/lib/media/binaries";
import { auth } from "./api";

const run = promisify(execFile);

/** A title no other spec (or earlier run against the same server) uses; also the clip's file name. */
export function uniqueTitle(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomUUID().slice(0, 6)}`;
}

/** Where the running test writes its clip: its own output folder, which Playwright empties at the start of a run. */
export function clipPath(title: string): string {
  return test.info().outputPath(`${title}.mp4`);
}

/**
 * A short clip of per-pixel noise encoded losslessly: ~1.6 bytes per pixel
 * per frame, so 640x480 at 20 fps for 2 s is ~19 MB — several tus chunks —
 * while the pipeline still has only 40 frames to enhance.
 */
export async function makeNoiseClip(options: { path: string; width?: number; height?: number; fps?: number; seconds?: number }): Promise<string> {
  const { width = 640, height = 480, fps = 20, seconds = 2 } = options;
  await mkdir(path.dirname(options.path), { recursive: true });
  await run(
    ffmpegPath(),
    [
      ...["-hide_banner", "-nostdin", "-v", "error", "-y", "-f", "lavfi"],
      ...["-i", `nullsrc=s=${width}x${height}:r=${fps}:d=${seconds},geq=lum='random(1)*255':cb=128:cr=128`],
      ...["-c:v", "libx264", "-qp", "0", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-f", "mp4", options.path],
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  return options.path;
}

export async function sha256(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** POST /api/videos; returns the new video's id. */
export async function uploadVideo(request: APIRequestContext, file: string, title: string): Promise<string> {
  const res = await request.post("/api/videos", {
    headers: auth,
    multipart: { file: { name: path.basename(file), mimeType: "video/mp4", buffer: await readFile(file) }, title },
  });
  expect(res.status(), await res.text()).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

export interface ApiFrame {
  index: number;
  status: string;
  attempts: number;
  lastError: { httpStatus: number | null; message: string } | null;
}

export interface ApiFrameDetail extends ApiFrame {
  attemptsHistory: unknown[];
}

export async function listFrames(request: APIRequestContext, videoId: string, status: string): Promise<ApiFrame[]> {
  const res = await request.get(`/api/videos/${videoId}/frames?status=${status}&limit=200`, { headers: auth });
  expect(res.status()).toBe(200);
  return ((await res.json()) as { frames: ApiFrame[] }).frames;
}

export async function getFrame(request: APIRequestContext, videoId: string, index: number): Promise<ApiFrameDetail> {
  const res = await request.get(`/api/videos/${videoId}/frames/${index}`, { headers: auth });
  expect(res.status()).toBe(200);
  return (await res.json()) as ApiFrameDetail;
}
