import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { PgBoss } from "pg-boss";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeClip } from "@/test/support/clips";
import { createTestPipeline } from "@/test/support/pipeline";

// Hostile and careless uploads, through the real routes (multipart POST
// /api/videos and tus /api/uploads) against a real PostgreSQL and ffprobe:
// UTF-8 names, control characters, oversized bodies refused before or while
// reading, a tus POST carrying the whole file, an empty tus upload.

const TOKEN = "upload-input-token-0123456789";
const MAX_BYTES = 4 * 1024 * 1024;

type Handler = (request: Request, ctx: { params: Promise<Record<string, unknown>> }) => Promise<Response>;
let videosRoute: Record<string, Handler>;
let uploadsRoute: Record<string, Handler>;
let pool: import("pg").Pool;
let clip: Buffer;
let dataDir: string;

beforeAll(async () => {
  const pipeline = await createTestPipeline();
  pool = pipeline.pool;
  // The budget lets the 1 s 320x240 clip through (2.3 M pixels) and not the 2 s 640x480 one (18.4 M).
  Object.assign(process.env, { DATABASE_URL: pipeline.url, DATA_DIR: pipeline.dataDir, API_TOKEN: TOKEN, MAX_UPLOAD_BYTES: String(MAX_BYTES), MAX_VIDEO_PIXELS: "10000000" });
  dataDir = pipeline.dataDir;
  videosRoute = (await import("@/app/api/videos/route")) as unknown as Record<string, Handler>;
  uploadsRoute = (await import("@/app/api/uploads/[[...path]]/route")) as unknown as Record<string, Handler>;
  clip = await readFile(await makeClip({ path: path.join(pipeline.dataDir, "clips", "clip.mp4"), seconds: 1 }));
});

afterAll(async () => {
  (await import("./tus")).stopUploadService();
  const g = globalThis as unknown as { fwBoss?: Promise<PgBoss>; fwPool?: import("pg").Pool };
  await (await g.fwBoss?.catch(() => undefined))?.stop({ graceful: false, close: true });
  await g.fwPool?.end();
});

const videoCount = async () => Number((await pool.query(`SELECT count(*) FROM videos`)).rows[0].count);

function postVideo(body: BodyInit, headers: Record<string, string>): Promise<Response> {
  const request = new Request("http://localhost/api/videos", { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, ...headers }, body, duplex: "half" } as RequestInit);
  return videosRoute.POST!(request, { params: Promise.resolve({}) });
}

function tus(method: string, segments: string[], headers: Record<string, string>, body?: BodyInit): Promise<Response> {
  const url = `http://localhost/api/uploads${segments.map((s) => `/${s}`).join("")}`;
  const request = new Request(url, { method, headers: { authorization: `Bearer ${TOKEN}`, "tus-resumable": "1.0.0", ...headers }, body, duplex: "half" } as RequestInit);
  return uploadsRoute[method]!(request, { params: Promise.resolve({ path: segments.length ? segments : undefined }) });
}

/** A stream of `chunk`-sized zero blocks that never ends by itself; counts what was read. */
function endlessFilePart(chunk = 64 * 1024) {
  const state = { pulled: 0 };
  const head = Buffer.from('--XyZ\r\nContent-Disposition: form-data; name="file"; filename="big.mp4"\r\nContent-Type: video/mp4\r\n\r\n');
  let sentHead = false;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const data = sentHead ? new Uint8Array(chunk) : head;
      sentHead = true;
      state.pulled += data.length;
      controller.enqueue(data);
    },
  });
  return { stream, state };
}

async function errorOf(response: Response) {
  const body = (await response.json()) as { error: { code: string; message: string } };
  return body.error;
}

describe("multipart uploads", () => {
  it("stores a UTF-8 file name (filename*) as sent, not as latin1", async () => {
    const name = "Café – 日本 🎬.mp4";
    const body = Buffer.concat([
      Buffer.from(`--XyZ\r\nContent-Disposition: form-data; name="file"; filename*=UTF-8''${encodeURIComponent(name)}\r\nContent-Type: video/mp4\r\n\r\n`),
      clip,
      Buffer.from("\r\n--XyZ--\r\n"),
    ]);
    const res = await postVideo(body, { "content-type": "multipart/form-data; boundary=XyZ" });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    const { rows } = await pool.query(`SELECT original_name, title FROM videos WHERE id = $1`, [id]);
    expect(rows[0]).toEqual({ original_name: name, title: "Café – 日本 🎬" });
  });

  it("refuses a NUL in the file name and a control character in the title with 400, leaving nothing behind", async () => {
    const before = await videoCount();
    const nul = Buffer.concat([Buffer.from(`--XyZ\r\nContent-Disposition: form-data; name="file"; filename*=UTF-8''a%00b.mp4\r\n\r\n`), clip, Buffer.from("\r\n--XyZ--\r\n")]);
    let res = await postVideo(nul, { "content-type": "multipart/form-data; boundary=XyZ" });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe("invalid_file_name");
    const title = Buffer.concat([
      Buffer.from(`--XyZ\r\nContent-Disposition: form-data; name="title"\r\n\r\nline\nbreak\r\n--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.mp4"\r\n\r\n`),
      clip,
      Buffer.from("\r\n--XyZ--\r\n"),
    ]);
    res = await postVideo(title, { "content-type": "multipart/form-data; boundary=XyZ" });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe("invalid_title");
    expect(await videoCount()).toBe(before);
  });

  it("refuses at upload, with a sentence, a video over MAX_VIDEO_PIXELS, leaving nothing behind", async () => {
    const big = await readFile(await makeClip({ path: path.join(dataDir, "clips", "big.mp4"), seconds: 2, width: 640, height: 480, audio: false }));
    const before = await videoCount();
    const body = Buffer.concat([Buffer.from(`--XyZ\r\nContent-Disposition: form-data; name="file"; filename="big.mp4"\r\n\r\n`), big, Buffer.from("\r\n--XyZ--\r\n")]);
    const res = await postVideo(body, { "content-type": "multipart/form-data; boundary=XyZ" });
    expect(res.status).toBe(415);
    const error = await errorOf(res);
    expect(error.code).toBe("over_pixel_budget");
    expect(error.message).toBe("big.mp4 is too large to process: 60 frames of 640x480 is 18,432,000 pixels, over the budget of 10,000,000 (MAX_VIDEO_PIXELS)");
    expect(await videoCount()).toBe(before);
    // The body streamed into the video's source object; refused, nothing of it is left.
    expect((await readdir(path.join(dataDir, "uploads")).catch(() => [])).filter((f) => f.endsWith(".part"))).toEqual([]);
    expect(await readdir(path.join(dataDir, "videos")).catch(() => [])).toHaveLength(before);
  });

  it("answers 400 to multipart/form-data without a boundary", async () => {
    const res = await postVideo("--x\r\n", { "content-type": "multipart/form-data" });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe("bad_multipart");
  });

  it("refuses a body whose Content-Length is over MAX_UPLOAD_BYTES with 413 before reading it", async () => {
    const { stream, state } = endlessFilePart();
    const res = await postVideo(stream, { "content-type": "multipart/form-data; boundary=XyZ", "content-length": String(MAX_BYTES * 4) });
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe("file_too_large");
    // A ReadableStream pulls once ahead of its reader; nothing past that was read.
    expect(state.pulled).toBeLessThan(64 * 1024);
  });

  it("stops reading a body at the limit when it declares no length (413, not read to its end)", async () => {
    const { stream, state } = endlessFilePart();
    const res = await postVideo(stream, { "content-type": "multipart/form-data; boundary=XyZ" });
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe("file_too_large");
    expect(state.pulled).toBeGreaterThan(MAX_BYTES);
    expect(state.pulled).toBeLessThan(MAX_BYTES + 2 * 1024 * 1024);
  });
});

describe("tus uploads", () => {
  const meta = (pairs: Record<string, string>) =>
    Object.entries(pairs)
      .map(([k, v]) => `${k} ${Buffer.from(v).toString("base64")}`)
      .join(",");

  it("a POST carrying the whole file (creation-with-upload) creates one video and says so", async () => {
    const before = await videoCount();
    const res = await tus(
      "POST",
      [],
      { "upload-length": String(clip.length), "upload-metadata": meta({ filename: "whole.mp4", title: "Whole in one" }), "content-type": "application/offset+octet-stream", "content-length": String(clip.length) },
      new Uint8Array(clip),
    );
    expect(res.status).toBe(201);
    const videoId = res.headers.get("video-id");
    expect(videoId).toMatch(/^[0-9a-f-]{36}$/);
    const location = res.headers.get("location")!;
    expect(location).toMatch(/^\/api\/uploads\/[0-9a-f]{32}$/);
    expect(res.headers.get("upload-offset")).toBe(String(clip.length));
    expect(await videoCount()).toBe(before + 1);
    // A client that lost the answer and asks again is told the upload is complete, and which video it became.
    const id = location.split("/").pop()!;
    const head = await tus("HEAD", [id], {});
    expect(head.status).toBe(200);
    expect(head.headers.get("upload-offset")).toBe(String(clip.length));
    const video = await tus("GET", [id, "video"], {});
    expect(await video.json()).toEqual({ videoId });
    expect(await videoCount()).toBe(before + 1);
  });

  it("a POST carrying a whole file that is not a video is refused with its reason", async () => {
    const junk = Buffer.from("this is not a video at all");
    const res = await tus("POST", [], { "upload-length": String(junk.length), "upload-metadata": meta({ filename: "notes.txt" }), "content-type": "application/offset+octet-stream" }, junk);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect((await errorOf(res)).message).toContain("notes.txt");
  });

  it("an empty (0-byte) upload is refused as an empty file at creation", async () => {
    const before = await videoCount();
    const res = await tus("POST", [], { "upload-length": "0", "upload-metadata": meta({ filename: "empty.mp4" }) });
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.code).toBe("empty_file");
    expect(error.message).toMatch(/empty/);
    expect(await videoCount()).toBe(before);
  });

  it("refuses control characters in metadata names at creation, and keeps UTF-8 names", async () => {
    let res = await tus("POST", [], { "upload-length": "10", "upload-metadata": meta({ filename: "a\u0000b.mp4" }) });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe("invalid_file_name");
    res = await tus("POST", [], { "upload-length": "10", "upload-metadata": meta({ filename: "a.mp4", title: "red\u001b[31m" }) });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe("invalid_title");

    res = await tus("POST", [], { "upload-length": String(clip.length), "upload-metadata": meta({ filename: "Ünïcødé 動画.mp4" }), "content-type": "application/offset+octet-stream" }, new Uint8Array(clip));
    expect(res.status).toBe(201);
    const { rows } = await pool.query(`SELECT original_name FROM videos WHERE id = $1`, [res.headers.get("video-id")]);
    expect(rows[0].original_name).toBe("Ünïcødé 動画.mp4");
  });
});
