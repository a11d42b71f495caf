import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { rebuildThroughputCounters } from "@/lib/pipeline/sql/throughput-counters";
import { encodeFramePack } from "@/lib/storage/frame-packs";
import { createTestDatabase } from "@/test/support/db";

// The read routes, called as Next calls them: (Request, { params: Promise }).
// lib/env.ts caches the environment on first use, so it is set before any
// route module is imported.
const { url, pool } = await createTestDatabase();
const dataDir = await mkdtemp(path.join(os.tmpdir(), "framewise-routes-"));
const TOKEN = "routes-test-token-0123456789";
process.env.DATABASE_URL = url;
process.env.API_TOKEN = TOKEN;
process.env.DATA_DIR = dataDir;
process.env.ENHANCER = "local";

const dbClient = await import("@/lib/db/client");
afterAll(async () => {
  await dbClient.pool().end();
  (globalThis as { fwPool?: unknown; fwPrisma?: unknown }).fwPool = undefined;
  (globalThis as { fwPool?: unknown; fwPrisma?: unknown }).fwPrisma = undefined;
  await rm(dataDir, { recursive: true, force: true });
});

type Handler = (request: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;
const route = async (file: string) => (await import(/* @vite-ignore */ path.join(process.cwd(), "app", "api", file, "route.ts"))) as Record<string, Handler>;

async function get(file: string, params: Record<string, string>, query = "", headers: Record<string, string> = {}): Promise<Response> {
  const handler = (await route(file)).GET!;
  const request = new Request(`http://localhost/api/${file}${query}`, { headers: { authorization: `Bearer ${TOKEN}`, ...headers } });
  return handler(request, { params: Promise.resolve(params) });
}

const videoId = randomUUID();
await pool.query(
  `INSERT INTO videos (id, title, original_name, source_bytes, fps_num, fps_den, frame_count, status) VALUES ($1, 'clip', 'clip.mp4', 1, 25, 1, 10, 'processing')`,
  [videoId],
);
await pool.query(`INSERT INTO video_stages (video_id, name) SELECT $1, unnest(enum_range(NULL::stage_name))`, [videoId]);
await pool.query(
  `INSERT INTO frame_executions (video_id, frame_index, status, attempts, output_kind, error_fingerprint, last_error, finished_at)
   SELECT $1, i, CASE WHEN i < 3 THEN 'failed' ELSE 'succeeded' END::frame_status, 1,
          CASE WHEN i >= 3 THEN 'enhanced' END, CASE WHEN i < 3 THEN 'HttpError|500|boom' END,
          CASE WHEN i < 3 THEN '{"errorClass":"HttpError","message":"boom","httpStatus":500,"retryable":true,"attempt":1}'::jsonb END, now()
     FROM generate_series(0, 9) AS i`,
  [videoId],
);
// Rows written directly, not by the settle statements: the timeline's counters are rebuilt from them.
await rebuildThroughputCounters(pool, videoId);
const dir = path.join(dataDir, "videos", videoId);
for (const sub of ["frames", "enhanced", "thumbnails"]) await mkdir(path.join(dir, sub), { recursive: true });
await writeFile(path.join(dir, "frames", "000000.pack"), encodeFramePack(0, Array.from({ length: 10 }, (_, i) => Buffer.from(`original-${i}`))));
await writeFile(path.join(dir, "enhanced", "000003.jpg"), Buffer.from("enhanced-3"));
await writeFile(path.join(dir, "captions.vtt"), "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nhello\n");
await writeFile(path.join(dir, "thumbnails", "thumb-000.webp"), Buffer.from("thumb-0"));
await writeFile(path.join(dir, "thumbnails", "poster.webp"), Buffer.from("poster"));
await writeFile(path.join(dir, "thumbnails", "sprite.jpg"), Buffer.from("sprite"));
await writeFile(path.join(dir, "thumbnails", "sprite.vtt"), "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nsprite.jpg#xywh=0,0,160,90\n\n00:00:01.000 --> 00:00:02.000\nsprite.jpg#xywh=160,0,160,90\n");

describe("frame routes", () => {
  it("lists failed frames with keyset pages", async () => {
    const first = await get("videos/[id]/frames", { id: videoId }, "?status=failed&limit=2&sort=updated");
    expect(first.status).toBe(200);
    const page = await first.json();
    expect(page.frames.map((f: { index: number }) => f.index)).toEqual([0, 1]);
    expect(page.frames[0]).toMatchObject({ timeSec: 0, status: "failed", fingerprint: "HttpError|500|boom", lastError: { httpStatus: 500, message: "boom" } });
    const next = await (await get("videos/[id]/frames", { id: videoId }, `?status=failed&limit=2&sort=updated&cursor=${page.nextCursor}`)).json();
    expect(next).toMatchObject({ frames: [{ index: 2 }], nextCursor: null });
  });

  it("answers 400 for a sort outside the allow-list or a bad cursor, 404 for an unknown video, 401 without a token", async () => {
    const bad = await get("videos/[id]/frames", { id: videoId }, "?sort=attempts;DROP");
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.code).toBe("invalid_request");
    expect((await get("videos/[id]/frames", { id: videoId }, "?cursor=bm9wZQ")).status).toBe(400);
    // The videos list (read through Prisma) answers a bad cursor the same way, instead of a silent first page.
    for (const cursor of ["bm9wZQ", Buffer.from(`${new Date().toISOString()}|not-a-uuid`).toString("base64url")]) {
      const list = await get("videos", {}, `?cursor=${cursor}`);
      expect(list.status, cursor).toBe(400);
      expect((await list.json()).error.code).toBe("invalid_cursor");
    }
    const missing = await get("videos/[id]/frames", { id: randomUUID() });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: { code: "video_not_found", message: expect.stringContaining("No video") } });
    expect((await get("videos/[id]/frame-map", { id: "not-a-uuid" })).status).toBe(404);
    const anonymous = await (await route("videos/[id]/frames")).GET!(new Request("http://localhost/x"), { params: Promise.resolve({ id: videoId }) });
    expect(anonymous.status).toBe(401);
  });

  it("serves one frame, its images, error groups, the frame map and the timeline", async () => {
    const frame = await (await get("videos/[id]/frames/[n]", { id: videoId, n: "3" })).json();
    expect(frame).toMatchObject({ index: 3, timeSec: 0.12, status: "succeeded", attemptsHistory: [], enhancedUrl: `/api/videos/${videoId}/frames/3/image?kind=enhanced` });
    expect((await get("videos/[id]/frames/[n]", { id: videoId, n: "10" })).status).toBe(404);

    const original = await get("videos/[id]/frames/[n]/image", { id: videoId, n: "3" }, "?kind=original");
    expect(original.headers.get("content-type")).toBe("image/jpeg");
    expect(await original.text()).toBe("original-3");
    const originalRange = await get("videos/[id]/frames/[n]/image", { id: videoId, n: "3" }, "?kind=original", { range: "bytes=2-5" });
    expect([originalRange.status, originalRange.headers.get("content-range"), await originalRange.text()]).toEqual([206, "bytes 2-5/10", "igin"]);
    const range = await get("videos/[id]/frames/[n]/image", { id: videoId, n: "3" }, "?kind=enhanced", { range: "bytes=0-3" });
    expect([range.status, await range.text()]).toEqual([206, "enha"]);
    const absent = await get("videos/[id]/frames/[n]/image", { id: videoId, n: "4" }, "?kind=enhanced");
    expect(absent.status).toBe(404);
    expect((await absent.json()).error.message).toMatch(/Frame 4 has no enhanced image/);
    expect((await get("videos/[id]/frames/[n]/image", { id: videoId, n: "3" }, "?kind=../../x")).status).toBe(400);
    expect((await get("videos/[id]/frames/[n]/image", { id: videoId, n: "99" })).status).toBe(404);

    expect(await (await get("videos/[id]/error-groups", { id: videoId })).json()).toEqual({
      groups: [{ fingerprint: "HttpError|500|boom", errorClass: "HttpError", httpStatus: 500, message: "boom", count: 3 }],
    });
    expect(await (await get("videos/[id]/frame-map", { id: videoId })).json()).toEqual({ frameCount: 10, statuses: "fffsssssss" });
    const timeline = await (await get("videos/[id]/timeline", { id: videoId }, "?minutes=2")).json();
    expect(timeline.points).toHaveLength(12);
    expect(timeline.points.reduce((n: number, p: { succeeded: number }) => n + p.succeeded, 0)).toBe(7);
  });
});

describe("output files", () => {
  it("serves captions, thumbnails by number, the poster and the sprite, with their types", async () => {
    const captions = await get("videos/[id]/captions.vtt", { id: videoId });
    expect([captions.status, captions.headers.get("content-type"), await captions.text()]).toEqual([200, "text/vtt; charset=utf-8", expect.stringContaining("hello")]);
    for (const [n, type, body] of [["0", "image/webp", "thumb-0"], ["poster", "image/webp", "poster"], ["sprite", "image/jpeg", "sprite"]] as const) {
      const r = await get("videos/[id]/thumbnails/[n]", { id: videoId, n });
      expect([r.status, r.headers.get("content-type"), await r.text()]).toEqual([200, type, body]);
    }
  });

  it("never turns the URL into a path, and says what is missing", async () => {
    for (const n of ["../../../etc/passwd", "..", "1000", "-1", "01", "sprite.vtt", "thumb-000.webp"]) {
      const r = await get("videos/[id]/thumbnails/[n]", { id: videoId, n });
      expect([n, r.status, (await r.json()).error.code]).toEqual([n, 404, "thumbnail_not_found"]);
    }
    const notYet = await get("videos/[id]/thumbnails/[n]", { id: videoId, n: "5" });
    expect([notYet.status, (await notYet.json()).error.code]).toEqual([404, "not_ready"]);
    const other = randomUUID();
    await pool.query(`INSERT INTO videos (id, title, original_name, source_bytes) VALUES ($1, 'x', 'x.mp4', 1)`, [other]);
    const noCaptions = await get("videos/[id]/captions.vtt", { id: other });
    expect([noCaptions.status, (await noCaptions.json()).error.message]).toEqual([404, "This video has no captions yet."]);
    expect((await get("videos/[id]/thumbnails.vtt", { id: other })).status).toBe(404);
    expect((await get("videos/[id]/captions.vtt", { id: randomUUID() })).status).toBe(404);
  });

  it("serves the thumbnails track pointing at the sprite route", async () => {
    const r = await get("videos/[id]/thumbnails.vtt", { id: videoId });
    expect(r.headers.get("content-type")).toBe("text/vtt; charset=utf-8");
    const text = await r.text();
    expect(text).toContain(`\n/api/videos/${videoId}/thumbnails/sprite#xywh=0,0,160,90\n`);
    expect(text).toContain(`\n/api/videos/${videoId}/thumbnails/sprite#xywh=160,0,160,90\n`);
    expect(text).not.toMatch(/^sprite\.jpg/m);
  });
});

describe("ops and metrics", () => {
  it("answers the ops snapshot and Prometheus text", async () => {
    const ops = await (await get("ops", {})).json();
    expect(ops).toMatchObject({ workers: [], enhancer: { mode: "local", breaker: { state: "closed" } } });
    expect(ops.queues.map((q: { name: string }) => q.name)).toContain("enhance");
    expect(ops.throughput).toHaveLength(60);
    const metrics = await get("metrics", {});
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await metrics.text();
    expect(text).toContain('framewise_videos{status="processing"} 1');
    expect(text).toContain("framewise_enhancer_breaker_state 0");
    const anonymous = await (await route("metrics")).GET!(new Request("http://localhost/api/metrics"), { params: Promise.resolve({}) });
    expect(anonymous.status).toBe(401);
  });
});
