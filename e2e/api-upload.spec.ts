import { readdir, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { probeMedia } from "@/lib/media/probe";
import { inspectFile, makeAudioOnly, makeClip, makeEmpty, makeTextFile } from "@/test/support/clips";
import { auth, waitForVideo } from "./support/api";
import { E2E } from "./support/settings";

/** Every file under the given folders of DATA_DIR (recursively), sorted. */
async function filesUnder(root: string, dirs: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const d of dirs) {
    const entries = await readdir(path.join(root, d), { recursive: true, withFileTypes: true }).catch(() => []);
    for (const e of entries) if (e.isFile()) out.push(path.join(e.parentPath, e.name));
  }
  return out.sort();
}

const tmp = (name: string) => path.join(os.tmpdir(), `framewise-e2e-${process.pid}-${name}`);

async function upload(request: import("@playwright/test").APIRequestContext, file: string, name: string) {
  return request.post("/api/videos", {
    headers: auth,
    multipart: { file: { name, mimeType: "video/mp4", buffer: await readFile(file) }, title: `api ${name}` },
  });
}

test("a 2 s 320x240 30 fps clip with audio uploaded through the API comes out with the same frames, size, duration and audio", async ({ request }) => {
  const clip = await makeClip({ path: tmp("clip.mp4"), seconds: 2, width: 320, height: 240, fps: 30, audio: true });
  const res = await upload(request, clip, "clip.mp4");
  expect(res.status()).toBe(201);
  const { id } = await res.json();

  const video = await waitForVideo(request, id);
  expect(video.status, JSON.stringify(video.stages)).toBe("completed");

  const output = await request.get(`/api/videos/${id}/output`, { headers: auth });
  expect(output.status()).toBe(200);
  expect(output.headers()["content-type"]).toBe("video/mp4");
  const file = tmp("output.mp4");
  await writeFile(file, await output.body());
  const info = await probeMedia(file);
  // Fragmented MP4 (streamed to storage as it is encoded): its header has no frame count, so count the packets.
  expect((await inspectFile(file)).video?.frames).toBe(60);
  expect(Math.abs(info.durationSec - 2)).toBeLessThanOrEqual(1 / 30 + 0.05);
  expect([info.width, info.height]).toEqual([320, 240]);
  expect(info.hasAudio).toBe(true);

  const partial = await request.get(`/api/videos/${id}/output`, { headers: { ...auth, Range: "bytes=0-99" } });
  expect(partial.status()).toBe(206);
  expect(partial.headers()["content-range"]).toMatch(/^bytes 0-99\/\d+$/);
  expect((await partial.body()).length).toBe(100);
});

for (const [label, make, code] of [
  ["an empty file", (f: string) => makeEmpty(f), "empty_file"],
  ["a text file named .mp4", (f: string) => makeTextFile(f), "unreadable"],
  ["an audio-only file", (f: string) => makeAudioOnly(`${f}.mp3`), "no_video_stream"],
] as const) {
  test(`${label} is refused with a 4xx JSON error and leaves nothing behind`, async ({ request }) => {
    const before = (await (await request.get("/api/videos?limit=100", { headers: auth })).json()).videos.length;
    const filesBefore = await filesUnder(E2E.dataDir, ["videos", "uploads"]);
    const file = await make(tmp(`refused-${code}`));
    const res = await upload(request, file, "upload.mp4");
    expect(res.status()).toBeGreaterThanOrEqual(400);
    expect(res.status()).toBeLessThan(500);
    const body = await res.json();
    expect(body.error.code).toBe(code);
    expect(body.error.message).toEqual(expect.any(String));
    const after = (await (await request.get("/api/videos?limit=100", { headers: auth })).json()).videos.length;
    expect(after).toBe(before);
    expect(await filesUnder(E2E.dataDir, ["videos", "uploads"])).toEqual(filesBefore);
  });
}

test("the API refuses requests without credentials", async ({ request }) => {
  const res = await request.get("/api/videos");
  expect(res.status()).toBe(401);
  expect((await res.json()).error.code).toBe("unauthorized");
  expect((await request.get("/api/health")).status()).toBe(200);
});
