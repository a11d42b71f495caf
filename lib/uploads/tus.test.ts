import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import type { PgBoss } from "pg-boss";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeClip, makeTextFile } from "@/test/support/clips";
import { createTestPipeline } from "@/test/support/pipeline";
import { waitFor } from "@/test/support/wait";

// The tus route driven with real Requests speaking tus 1.0, against a real
// PostgreSQL, real ffprobe and the real file store. "Restarting the server"
// drops the per-process tus singleton, as a new process would start without it.

const TOKEN = "test-token-0123456789abcdef";
const MAX_BYTES = 64 * 1024 * 1024;

type Route = typeof import("@/app/api/uploads/[[...path]]/route");
type Tus = typeof import("./tus");

let route: Route;
let tus: Tus;
let pool: import("pg").Pool;
let dataDir: string;
let workDir: string;

beforeAll(async () => {
  const pipeline = await createTestPipeline();
  pool = pipeline.pool;
  dataDir = pipeline.dataDir;
  workDir = path.join(dataDir, "test-files");
  process.env.DATABASE_URL = pipeline.url;
  process.env.DATA_DIR = dataDir;
  process.env.API_TOKEN = TOKEN;
  process.env.MAX_UPLOAD_BYTES = String(MAX_BYTES);
  route = await import("@/app/api/uploads/[[...path]]/route");
  tus = await import("./tus");
});

afterAll(async () => {
  tus?.stopUploadService();
  const g = globalThis as unknown as { fwBoss?: Promise<PgBoss>; fwPool?: import("pg").Pool };
  await (await g.fwBoss?.catch(() => undefined))?.stop({ graceful: false, close: true });
  await g.fwPool?.end();
});

const b64 = (s: string) => Buffer.from(s).toString("base64");
const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");
/** What is stored of an upload: its row (null when gone) and its part objects under DATA_DIR/uploads/tus/<id>/. */
async function stored(id: string) {
  const { rows } = await pool.query(`SELECT upload_offset::int AS "offset", parts, result FROM tus_uploads WHERE id = $1`, [id]);
  const parts = await readdir(path.join(dataDir, "uploads", "tus", id)).catch(() => []);
  return { row: rows[0] ?? null, parts: parts.length };
}

async function call(
  method: string,
  segments: string[],
  init: { headers?: Record<string, string>; body?: BodyInit; auth?: boolean } = {},
): Promise<Response> {
  const headers: Record<string, string> = { "Tus-Resumable": "1.0.0", ...init.headers };
  if (init.auth !== false) headers.Authorization = `Bearer ${TOKEN}`;
  const url = `http://localhost/api/uploads${segments.map((s) => `/${s}`).join("")}`;
  const request = new Request(url, { method, headers, body: init.body, duplex: "half" } as RequestInit);
  const handler = route[method as keyof Route] as (r: Request, c: { params: Promise<{ path?: string[] }> }) => Promise<Response>;
  return handler(request, { params: Promise.resolve({ path: segments.length ? segments : undefined }) });
}

async function createUpload(size: number, filename: string, title?: string): Promise<string> {
  const metadata = [`filename ${b64(filename)}`, ...(title ? [`title ${b64(title)}`] : [])].join(",");
  const res = await call("POST", [], { headers: { "Upload-Length": String(size), "Upload-Metadata": metadata } });
  expect(res.status).toBe(201);
  const location = res.headers.get("location")!;
  expect(location).toMatch(/^\/api\/uploads\/[0-9a-f]{32}$/);
  return location.split("/").pop()!;
}

function patch(id: string, offset: number, chunk: Uint8Array | ReadableStream<Uint8Array>, length?: number): Promise<Response> {
  const headers: Record<string, string> = { "Upload-Offset": String(offset), "Content-Type": "application/offset+octet-stream" };
  if (length !== undefined) headers["Content-Length"] = String(length);
  return call("PATCH", [id], { headers, body: chunk as BodyInit });
}

async function head(id: string) {
  const res = await call("HEAD", [id]);
  return { status: res.status, offset: Number(res.headers.get("upload-offset")), length: Number(res.headers.get("upload-length")) };
}

async function errorOf(res: Response) {
  expect(res.headers.get("content-type")).toContain("application/json");
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toEqual(expect.any(String));
  expect(body.error.message).toEqual(expect.any(String));
  return body.error;
}

const videoCount = async () => Number((await pool.query(`SELECT count(*) FROM videos`)).rows[0].count);

describe("tus uploads at /api/uploads", () => {
  it("answers 401 JSON to every method without authentication", async () => {
    for (const [method, segments] of [
      ["POST", []],
      ["HEAD", ["0123456789abcdef0123456789abcdef"]],
      ["PATCH", ["0123456789abcdef0123456789abcdef"]],
      ["DELETE", ["0123456789abcdef0123456789abcdef"]],
      ["OPTIONS", []],
      ["GET", ["0123456789abcdef0123456789abcdef", "video"]],
    ] as const) {
      const res = await call(method, [...segments], { auth: false, headers: { "Upload-Length": "10" } });
      expect(res.status, method).toBe(401);
      if (method !== "HEAD") expect((await errorOf(res)).code).toBe("unauthorized");
    }
    expect(Number((await pool.query(`SELECT count(*) FROM tus_uploads`)).rows[0].count)).toBe(0);
  });

  it("resumes a clip across a dropped connection and a server restart, and it becomes a video with identical bytes", async () => {
    const clip = await readFile(await makeClip({ path: path.join(workDir, "clip.mp4"), seconds: 2 }));
    const id = await createUpload(clip.length, "clip.mp4", "Resumed clip");
    const half = Math.floor(clip.length / 2);

    let res = await patch(id, 0, clip.subarray(0, half), half);
    expect(res.status).toBe(204);
    expect(res.headers.get("upload-offset")).toBe(String(half));
    expect(res.headers.get("upload-expires")).toBeTruthy();

    tus.stopUploadService(); // a new process: only what is in PostgreSQL and storage remains

    expect(await head(id)).toEqual({ status: 200, offset: half, length: clip.length });

    // The browser's connection drops part way through the second chunk.
    // Bytes that reached the disk before the drop are kept; HEAD says how many.
    const piece = 4096;
    const sentBeforeDrop = 4 * piece;
    let sent = 0;
    const dropping = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sent === sentBeforeDrop) return controller.error(new Error("connection reset"));
        controller.enqueue(clip.subarray(half + sent, half + sent + piece));
        sent += piece;
        await new Promise((r) => setImmediate(r));
      },
    });
    res = await patch(id, half, dropping);
    expect(res.status).not.toBe(204);
    const afterDrop = await head(id);
    expect(afterDrop.offset).toBeGreaterThanOrEqual(half);
    expect(afterDrop.offset).toBeLessThanOrEqual(half + sentBeforeDrop);

    // A stale offset is refused, not appended.
    res = await patch(id, 0, clip.subarray(0, 10), 10);
    expect(res.status).toBe(409);
    expect((await errorOf(res)).code).toBe("offset_conflict");

    res = await patch(id, afterDrop.offset, clip.subarray(afterDrop.offset), clip.length - afterDrop.offset);
    expect(res.status).toBe(204);
    expect(res.headers.get("upload-offset")).toBe(String(clip.length));
    const videoId = res.headers.get("video-id");
    expect(videoId).toBeTruthy();

    res = await call("GET", [id, "video"]);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ videoId });

    const { rows } = await pool.query(`SELECT title, original_name, source_bytes, status FROM videos WHERE id = $1`, [videoId]);
    expect(rows[0]).toMatchObject({ title: "Resumed clip", original_name: "clip.mp4", status: "processing" });
    expect(Number(rows[0].source_bytes)).toBe(clip.length);
    const source = await readFile(path.join(dataDir, "videos", videoId!, "source"));
    expect(sha256(source)).toBe(sha256(clip));

    // tus let go of its parts (the row keeps the answer); a client resuming after a lost final response is told "complete".
    expect(await stored(id)).toMatchObject({ row: { result: { state: "created", videoId } }, parts: 0 });
    expect(await head(id)).toEqual({ status: 200, offset: clip.length, length: clip.length });
    expect((await call("DELETE", [id])).status).toBe(400);
  });

  it("refuses a text file with a 4xx JSON error and leaves no video and no upload files behind", async () => {
    const before = await videoCount();
    const text = await readFile(await makeTextFile(path.join(workDir, "notes.txt"), "Not a video at all.\n".repeat(500)));
    const id = await createUpload(text.length, "notes.txt");

    const res = await patch(id, 0, text, text.length);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    const error = await errorOf(res);
    expect(error.message).toContain("notes.txt");
    expect(error.message).not.toContain(id);

    const video = await call("GET", [id, "video"]);
    expect(video.status).toBe(res.status);
    expect((await errorOf(video)).code).toBe(error.code);

    expect(await videoCount()).toBe(before);
    expect(await readdir(path.join(dataDir, "videos")).catch(() => [])).toHaveLength(before);
    // Only the small refusal record remains, so GET .../video can answer; the sweep forgets it after a week.
    expect(await stored(id)).toMatchObject({ row: { result: { state: "refused" } }, parts: 0 });
    const { forgotten } = await tus.uploadService().finisher.sweep(Date.now() + 8 * 24 * 3600_000);
    expect(forgotten).toBeGreaterThanOrEqual(1);
    expect(await stored(id)).toEqual({ row: null, parts: 0 });
    expect((await call("GET", [id, "video"])).status).toBe(404);
  });

  it("finishes an upload whose last byte landed just before the server died", async () => {
    const clip = await readFile(await makeClip({ path: path.join(workDir, "crash.mp4"), seconds: 1 }));
    const id = await createUpload(clip.length, "crash.mp4");
    // The bytes reach the store, but onUploadFinish never runs (the process died).
    await tus.uploadService().store.write(Readable.from([clip]), id, 0);
    tus.stopUploadService();

    const resumed = await head(id); // the client comes back and is told it is complete
    expect(resumed).toEqual({ status: 200, offset: clip.length, length: clip.length });
    const videoId = await waitFor(
      async () => {
        const res = await call("GET", [id, "video"]);
        if (res.status === 404) return null;
        expect(res.status).toBe(200);
        return ((await res.json()) as { videoId: string }).videoId;
      },
      { what: "the video of the recovered upload", timeoutMs: 20_000 },
    );
    const source = await readFile(path.join(dataDir, "videos", videoId, "source"));
    expect(sha256(source)).toBe(sha256(clip));
  });

  it("refuses uploads over MAX_UPLOAD_BYTES and expires abandoned ones", async () => {
    const tooBig = await call("POST", [], { headers: { "Upload-Length": String(MAX_BYTES + 1) } });
    expect(tooBig.status).toBe(413);
    expect((await errorOf(tooBig)).code).toBe("file_too_large");

    const id = await createUpload(1000, "abandoned.mp4");
    expect((await patch(id, 0, new Uint8Array(100), 100)).status).toBe(204);
    const report = await tus.uploadService().finisher.sweep(Date.now() + 25 * 3600_000);
    expect(report.expired).toBe(1);
    expect(await stored(id)).toEqual({ row: null, parts: 0 });
    expect((await head(id)).status).toBe(404);
    const res = await patch(id, 100, new Uint8Array(10), 10);
    expect(res.status).toBe(404);
    expect((await errorOf(res)).code).toBe("upload_not_found");
  });
});

describe("tus across web processes (no sticky load balancer)", () => {
  // Two upload services as two web processes would have them: separate
  // connections (so separate advisory-lock sessions) and nothing in memory in
  // common; only PostgreSQL and storage are shared.
  const services: import("./tus").UploadService[] = [];
  const pools: import("pg").Pool[] = [];
  afterAll(async () => {
    services.forEach((s) => s.stop());
    await Promise.all(pools.map((p) => p.end()));
  });
  async function webProcess() {
    const { createPool } = await import("@/lib/db/client");
    const { localStorage } = await import("@/lib/storage/local-storage");
    const { pipelineContext } = await import("@/lib/server/pipeline-context");
    const p = createPool(process.env.DATABASE_URL!, 3);
    const locks = createPool(process.env.DATABASE_URL!, 3);
    pools.push(p, locks);
    const service = tus.createUploadService({ storage: localStorage(dataDir), pool: p, lockPool: locks, maxBytes: MAX_BYTES, context: pipelineContext, sweep: false });
    services.push(service);
    return (method: string, id: string | null, headers: Record<string, string>, body?: BodyInit) =>
      service.server.handleWeb(
        new Request(`http://localhost/api/uploads${id ? `/${id}` : ""}`, {
          method,
          headers: { "Tus-Resumable": "1.0.0", ...headers },
          body,
          duplex: "half",
        } as RequestInit),
      );
  }

  it("an upload started on web A is resumed on web B; a PATCH racing on both appends once", { timeout: 60_000 }, async () => {
    const [a, b] = [await webProcess(), await webProcess()];
    const clip = await readFile(await makeClip({ path: path.join(workDir, "two-webs.mp4"), seconds: 1 }));
    const created = await a("POST", null, { "Upload-Length": String(clip.length), "Upload-Metadata": `filename ${b64("two-webs.mp4")}` });
    expect(created.status).toBe(201);
    const id = created.headers.get("location")!.split("/").pop()!;
    const third = Math.floor(clip.length / 3);
    const octets = { "Content-Type": "application/offset+octet-stream" };
    expect((await a("PATCH", id, { ...octets, "Upload-Offset": "0" }, clip.subarray(0, third))).status).toBe(204);

    // B knows the offset A stored (HEAD reads the shared row).
    const headB = await b("HEAD", id, {});
    expect(headB.headers.get("upload-offset")).toBe(String(third));

    // A's PATCH streams slowly while B's PATCH for the same offset arrives:
    // B waits for A's lock, then finds the offset moved and answers 409.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(clip.subarray(third, third + 1000));
        await gate;
        controller.enqueue(clip.subarray(third + 1000, 2 * third));
        controller.close();
      },
    });
    const patchA = a("PATCH", id, { ...octets, "Upload-Offset": String(third) }, slow);
    // A holds the upload's advisory lock while its body streams.
    await waitFor(async () => Number((await pool.query(`SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 72261010 AND granted`)).rows[0].count) === 1 || null, {
      what: "web A to hold the upload's lock",
    });
    const patchB = b("PATCH", id, { ...octets, "Upload-Offset": String(third), "Content-Length": String(2 * third - third) }, clip.subarray(third, 2 * third));
    // Whether B's first try comes before or after A lets go, the outcome is the same; the delay only makes "before" likely.
    setTimeout(release, 300);
    const [resA, resB] = await Promise.all([patchA, patchB]);
    expect(resA.status).toBe(204);
    expect(resB.status).toBe(409);
    expect(await stored(id)).toMatchObject({ row: { offset: 2 * third, parts: 2 }, parts: 2 });

    // B finishes the upload; the video has exactly the clip's bytes.
    const last = await b("PATCH", id, { ...octets, "Upload-Offset": String(2 * third) }, clip.subarray(2 * third));
    expect(last.status, await last.clone().text()).toBe(204);
    const videoId = last.headers.get("video-id")!;
    expect(videoId).toBeTruthy();
    expect(sha256(await readFile(path.join(dataDir, "videos", videoId, "source")))).toBe(sha256(clip));
    // Finishing again from A (a lost response, a sweep) answers the same video, never a second one.
    const again = await services[0]!.finisher.finish(id);
    expect(again).toMatchObject({ state: "created", videoId });
    expect(Number((await pool.query(`SELECT count(*) FROM videos WHERE original_name = 'two-webs.mp4'`)).rows[0].count)).toBe(1);
  });
});
