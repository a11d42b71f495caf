import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { PgBoss } from "pg-boss";
import { afterAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "@/test/support/db";

// Bad input gets a 4xx with {"error": {"code", "message"}}, never a 5xx and
// never a hang. Every route under app/api is found from the file system (so
// a route added later is probed the day it is added) and sent a catalogue of
// malformed ids, cursors, query parameters, bodies, headers, cookies and
// names. Where a route must read the malformed part (a dynamic segment, a
// list cursor, a JSON body), the answer must be a 4xx; where a route may
// ignore it (a query parameter it does not know), it must still not fail.

const { url, pool } = await createTestDatabase();
const dataDir = await mkdtemp(path.join(os.tmpdir(), "framewise-malformed-"));
const TOKEN = "malformed-test-token-0123456789";
Object.assign(process.env, { DATABASE_URL: url, API_TOKEN: TOKEN, DATA_DIR: dataDir, ENHANCER: "local", MAX_UPLOAD_BYTES: String(64 * 1024 * 1024) });

afterAll(async () => {
  (await import("@/lib/uploads/tus")).stopUploadService();
  const g = globalThis as unknown as { fwBoss?: Promise<PgBoss>; fwPool?: import("pg").Pool; fwPrisma?: { $disconnect(): Promise<void> } };
  await (await g.fwBoss?.catch(() => undefined))?.stop({ graceful: false, close: true });
  await g.fwPool?.end();
  await g.fwPrisma?.$disconnect();
  await rm(dataDir, { recursive: true, force: true });
});

// A video with frames, so malformed queries get past "no such video".
const seeded = randomUUID();
await pool.query(`INSERT INTO videos (id, title, original_name, source_bytes, fps_num, fps_den, frame_count, status) VALUES ($1, 'clip', 'clip.mp4', 1, 25, 1, 10, 'processing')`, [seeded]);
await pool.query(`INSERT INTO video_stages (video_id, name) SELECT $1, unnest(enum_range(NULL::stage_name))`, [seeded]);
await pool.query(`INSERT INTO frame_executions (video_id, frame_index, status, attempts) SELECT $1, i, 'pending', 0 FROM generate_series(0, 9) AS i`, [seeded]);
const unknown = randomUUID();

const apiDir = path.join(process.cwd(), "app", "api");
const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
type Method = (typeof METHODS)[number];
type Handler = (request: Request, ctx: { params: Promise<Record<string, unknown>> }) => Promise<Response>;

interface Route {
  file: string;
  segments: string[];
  handlers: Partial<Record<Method, Handler>>;
}

const files = (await readdir(apiDir, { recursive: true })).filter((f) => f.endsWith("route.ts")).sort();
const routes: Route[] = [];
for (const file of files) {
  const mod = (await import(/* @vite-ignore */ path.join(apiDir, file))) as Record<string, unknown>;
  const handlers = Object.fromEntries(METHODS.filter((m) => typeof mod[m] === "function").map((m) => [m, mod[m]])) as Route["handlers"];
  routes.push({ file, segments: path.dirname(file).split(path.sep), handlers });
}

const b64 = (v: unknown) => Buffer.from(typeof v === "string" ? v : JSON.stringify(v)).toString("base64url");
const has = (route: Route, segment: string) => route.segments.includes(segment);

/** Params as Next would pass them; `over` replaces some. */
function paramsFor(route: Route, over: Record<string, unknown> = {}, id = seeded): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  if (has(route, "[id]")) params.id = id;
  if (has(route, "[n]")) params.n = "3";
  if (has(route, "[[...path]]")) params.path = undefined;
  return { ...params, ...over };
}

interface Probe {
  what: string;
  method: Method;
  params: Record<string, unknown>;
  query?: string;
  headers?: Record<string, string>;
  body?: BodyInit;
  /** The route must answer 4xx (it has to read the malformed part); else only "not 5xx". */
  strict: boolean;
  auth?: boolean;
}

const BAD_IDS = ["not-a-uuid", "../../../etc/passwd", "%00", "\u0000", "x".repeat(2000), "00000000-0000-0000-0000-00000000000g", "' OR 1=1 --", "12345"];
const BAD_FRAME_NUMBERS = ["-1", "2147483648", "99999999999999999999", "abc", "1.5", "%00", "../1", "1e3"];
const BAD_UPLOAD_PATHS = [["..", ".."], ["x".repeat(600)], ["0123456789abcdef0123456789abcdef", "video", "more"], ["%00"], ["0123456789abcdef0123456789abcdeG"], ["\u0000"]];
const BAD_QUERIES = [
  `cursor=${"%".repeat(3)}`,
  "cursor=not-base64-!!",
  `cursor=${b64(["index", null, 2 ** 31])}`,
  `cursor=${b64(["index", null, 1e300])}`,
  `cursor=${b64(["attempts", 2 ** 40, 1])}`,
  `cursor=${b64(["updated", "not a date", 1])}`,
  `cursor=${b64("2020-01-01T00:00:00.000Z|not-a-uuid")}`,
  `cursor=${b64("not-a-date|00000000-0000-4000-8000-000000000000")}`,
  `cursor=${b64("|")}`,
  `cursor=${"A".repeat(5000)}`,
  "limit=-1",
  "limit=abc",
  "limit=1e9",
  "limit=99999999999999999999",
  "status=bogus",
  "sort=bogus;DROP TABLE videos",
  "kind=../../etc/passwd",
  "buckets=-5",
  "fingerprint=%00",
  "fingerprint=a%00b&status=failed",
  "q=%00",
  "q=a%00b%1b",
  "status=%00",
  "cursor=%00",
  `q=${"x".repeat(10_000)}`,
  "status=failed&status=succeeded&limit=1&limit=2",
];
const LIST_ROUTES = ["videos/route.ts", "videos/[id]/frames/route.ts"];
const BAD_JSON_BODIES = ["not json", "", "null", "[]", "42", '"text"', "{", '{"frames":[2147483648]}', '{"frames":[-1]}', '{"frames":["1"]}', '{"frames":[]}', '{"frames":[1.5]}', '{"status":"bogus"}', '{"stages":"encode"}', '{"fingerprint":""}', '{"email":"a\\u0000b@example.com","password":""}', '{"email":"a\\u0000b@example.com","password":"x"}', '{"email":"x@example.com","password":"a\\u0000b"}', '{"fingerprint":"a\\u0000b"}', "[".repeat(10_000), '{"__proto__":{"admin":true}}'];
const JSON_ROUTES = ["videos/[id]/retry/route.ts", "auth/login/route.ts"];

function multipart(parts: string): { headers: Record<string, string>; body: string } {
  return { headers: { "content-type": "multipart/form-data; boundary=XyZ" }, body: parts.replaceAll("\n", "\r\n") };
}
const BAD_FORMS: { what: string; headers: Record<string, string>; body: string }[] = [
  { what: "multipart without a boundary", headers: { "content-type": "multipart/form-data" }, body: "--XyZ\r\n\r\n" },
  { what: "multipart with an empty boundary", headers: { "content-type": "multipart/form-data; boundary=" }, body: "x" },
  { what: "a truncated multipart body", ...multipart('--XyZ\nContent-Disposition: form-data; name="file"; filename="a.mp4"\n\nabc') },
  { what: "multipart without the file field", ...multipart('--XyZ\nContent-Disposition: form-data; name="title"\n\nhello\n--XyZ--\n') },
  { what: "a NUL in filename*", ...multipart("--XyZ\nContent-Disposition: form-data; name=\"file\"; filename*=UTF-8''a%00b.mp4\n\nabc\n--XyZ--\n") },
  { what: "a newline in filename*", ...multipart("--XyZ\nContent-Disposition: form-data; name=\"file\"; filename*=UTF-8''a%0Ab.mp4\n\nabc\n--XyZ--\n") },
  { what: "a control character in the title", ...multipart('--XyZ\nContent-Disposition: form-data; name="title"\n\nbad\u0007title\n--XyZ\nContent-Disposition: form-data; name="file"; filename="a.mp4"\n\nabc\n--XyZ--\n') },
  { what: "a text/plain body", headers: { "content-type": "text/plain" }, body: '{"frames":[1]}' },
  { what: "a body declaring more than MAX_UPLOAD_BYTES", headers: { "content-type": "multipart/form-data; boundary=XyZ", "content-length": String(10 * 1024 ** 3) }, body: "--XyZ\r\n" },
];

function catalogue(route: Route): Probe[] {
  const probes: Probe[] = [];
  const methods = Object.keys(route.handlers) as Method[];
  for (const method of methods) {
    if (has(route, "[id]")) for (const id of BAD_IDS) probes.push({ what: `id ${JSON.stringify(id.slice(0, 40))}`, method, params: paramsFor(route, { id }), strict: true });
    if (has(route, "[n]")) for (const n of BAD_FRAME_NUMBERS) probes.push({ what: `n ${JSON.stringify(n)}`, method, params: paramsFor(route, { n }), strict: true });
    if (has(route, "[[...path]]") && method !== "OPTIONS") {
      for (const p of BAD_UPLOAD_PATHS) probes.push({ what: `path ${JSON.stringify(p).slice(0, 60)}`, method, params: paramsFor(route, { path: p }), strict: true });
    }
    if (method === "GET" || method === "HEAD") {
      for (const query of BAD_QUERIES) {
        const cursor = query.startsWith("cursor=") || query.startsWith("limit=");
        probes.push({ what: `query ${query.slice(0, 60)}`, method, params: paramsFor(route), query, strict: cursor && LIST_ROUTES.includes(route.file) });
      }
      for (const range of ["bytes=abc", "bytes=5-1", "bytes=99999999999999999999-", "bytes=-", "bytes=0-1,2-3"]) {
        probes.push({ what: `Range ${range}`, method, params: paramsFor(route), headers: { range }, strict: false });
      }
    } else if (method !== "OPTIONS") {
      // An unknown (well-formed) id: a body is read before the video is looked up, and nothing changes.
      const params = paramsFor(route, {}, unknown);
      for (const body of BAD_JSON_BODIES) {
        probes.push({ what: `JSON body ${JSON.stringify(body).slice(0, 40)}`, method, params, headers: { "content-type": "application/json" }, body, strict: JSON_ROUTES.includes(route.file) || has(route, "[id]") });
      }
      for (const form of BAD_FORMS) probes.push({ what: form.what, method, params, headers: form.headers, body: form.body, strict: route.file === "videos/route.ts" || has(route, "[id]") });
      if (has(route, "[[...path]]") && method === "POST") {
        const meta = (pairs: [string, string][]) => pairs.map(([k, v]) => `${k} ${Buffer.from(v).toString("base64")}`).join(",");
        for (const [what, headers] of [
          ["tus metadata filename with a NUL", { "upload-length": "10", "upload-metadata": meta([["filename", "a\u0000b.mp4"]]) }],
          ["tus metadata title with an escape", { "upload-length": "10", "upload-metadata": meta([["filename", "a.mp4"], ["title", "x\u001b[31m"]]) }],
          ["tus metadata that is not base64", { "upload-length": "10", "upload-metadata": "filename ***" }],
          ["tus Upload-Length -1", { "upload-length": "-1" }],
          ["tus Upload-Length 0 (an empty file)", { "upload-length": "0" }],
          ["tus Upload-Length over the maximum", { "upload-length": String(2 ** 53) }],
          ["tus without Tus-Resumable", { "tus-resumable": "", "upload-length": "10" }],
        ] as const) {
          probes.push({ what, method, params: paramsFor(route), headers: { "tus-resumable": "1.0.0", ...headers }, strict: true });
        }
      }
    }
    // Cookies and credentials that are not valid: never a 500, and 401 where a session is needed.
    for (const cookie of ["fw_session=%E0%A4%A", "fw_session=%", "fw_session=%ZZ; other=1", `fw_session=${"a".repeat(5000)}`, "fw_session", "=; ;;"]) {
      probes.push({ what: `cookie ${cookie.slice(0, 30)}`, method, params: paramsFor(route), headers: { cookie }, auth: false, strict: false });
    }
    for (const authorization of ["Bearer", "Bearer ", `Bearer ${"x".repeat(10_000)}`, "Basic YWRtaW46YWRtaW4=", "bearer lowercase"]) {
      probes.push({ what: `Authorization ${authorization.slice(0, 20)}`, method, params: paramsFor(route), headers: { authorization }, auth: false, strict: false });
    }
  }
  return probes;
}

async function withDeadline<T>(promise: Promise<T>, label: string, ms = 20_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label}: no answer within ${ms / 1000} s (a hang)`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

async function send(route: Route, probe: Probe): Promise<{ status: number; text: string; contentType: string | null }> {
  const headers: Record<string, string> = { ...probe.headers };
  if (probe.auth !== false) headers.authorization = `Bearer ${TOKEN}`;
  if (headers["tus-resumable"] === "") delete headers["tus-resumable"];
  const pathPart = route.file.replace(/\/?route\.ts$/, "");
  const request = new Request(`http://localhost/api/${pathPart}${probe.query ? `?${probe.query}` : ""}`, {
    method: probe.method,
    headers,
    body: probe.body,
    duplex: "half",
  } as RequestInit);
  const label = `${probe.method} ${route.file} with ${probe.what}`;
  const response = await withDeadline(route.handlers[probe.method]!(request, { params: Promise.resolve(probe.params) }), label);
  const text = await withDeadline(response.text(), `${label} (body)`);
  return { status: response.status, text, contentType: response.headers.get("content-type") };
}

describe("malformed input on every API route", () => {
  it("finds the routes", () => {
    expect(routes.map((r) => r.file)).toEqual(expect.arrayContaining(["videos/route.ts", "videos/[id]/retry/route.ts", "uploads/[[...path]]/route.ts", "auth/login/route.ts"]));
    expect(routes.length).toBeGreaterThanOrEqual(20);
  });

  for (const route of routes) {
    it(`${route.file}: a 4xx with the error shape, never a 5xx, never a hang`, async () => {
      const failures: string[] = [];
      const probes = catalogue(route);
      expect(probes.length).toBeGreaterThan(0);
      for (const probe of probes) {
        const label = `${probe.method} ${route.file} with ${probe.what}`;
        const { status, text, contentType } = await send(route, probe);
        if (status >= 500) failures.push(`${label}: ${status} ${text.slice(0, 200)}`);
        else if (probe.strict && (status < 400 || status > 499)) failures.push(`${label}: expected a 4xx, got ${status}`);
        if (status >= 400 && probe.method !== "HEAD") {
          let shape = false;
          try {
            const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
            shape = typeof body.error?.code === "string" && typeof body.error.message === "string";
          } catch {
            shape = false;
          }
          if (!shape || !contentType?.includes("application/json")) failures.push(`${label}: ${status} without {"error":{"code","message"}}: ${text.slice(0, 120)}`);
        }
      }
      expect(failures).toEqual([]);
    }, 180_000);
  }
});
