import http from "node:http";
import type { AddressInfo } from "node:net";
import sharp from "sharp";
import { z } from "zod";

// A real HTTP enhancement service for tests, benchmarks and demos, speaking
// the protocol of DESIGN.md, with knobs for every way the real one fails.
// It deliberately does NOT dedupe on Idempotency-Key: it counts calls per key
// so tests can prove the pipeline never calls twice for one frame.

const frames = z.array(z.number().int().min(0));
export const fakeEnhancerConfigSchema = z.object({
  /** Delay before every answer. */
  latencyMs: z.number().min(0).default(0),
  /**
   * Probability that a call answers failureStatus. Decided by a hash of
   * (seed, Idempotency-Key, call number for that key): reproducible across
   * runs, and a retried frame can succeed.
   */
  failureRate: z.number().min(0).max(1).default(0),
  failureStatus: z.number().int().min(400).max(599).default(500),
  seed: z.number().int().default(1),
  /** Frames always rejected with failStatus and a JSON error body (a permanent failure). */
  failFrames: frames.default([]),
  failStatus: z.number().int().min(400).max(599).default(422),
  /** 503 (with Retry-After) for every call until this epoch ms. */
  outage: z
    .object({ untilMs: z.number(), status: z.number().int().default(503), retryAfterSec: z.number().int().min(0).optional() })
    .nullable()
    .default(null),
  /** 429: every Nth call overall, the listed calls (1-based, in arrival order), and/or the FIRST call of the listed frames. */
  rateLimit429: z
    .object({
      everyN: z.number().int().min(1).optional(),
      calls: z.array(z.number().int().min(1)).optional(),
      frames: frames.optional(),
      retryAfterSec: z.number().int().min(0).default(1),
      /** Send Retry-After as an HTTP date instead of seconds. */
      httpDate: z.boolean().default(false),
    })
    .nullable()
    .default(null),
  /**
   * Bad frames, not a bad service: every frame whose index is a multiple of
   * `every` answers `status` to its first `calls` calls, then 200.
   */
  flakyFrames: z
    .object({ every: z.number().int().min(1), calls: z.number().int().min(1), status: z.number().int().min(400).max(599).default(503) })
    .nullable()
    .default(null),
  /** 200 with a non-image body: with this probability (seeded), or on the FIRST call of the listed frames. */
  garbageRate: z.number().min(0).max(1).default(0),
  garbageFrames: frames.default([]),
  /** 200 with a valid image of half the size, on the FIRST call of the listed frames. */
  wrongSizeFrames: frames.default([]),
});
export type FakeEnhancerConfig = z.infer<typeof fakeEnhancerConfigSchema>;
export type FakeEnhancerOptions = z.input<typeof fakeEnhancerConfigSchema> & { port?: number; host?: string };

export interface FakeEnhancerStats {
  calls: number;
  perKey: Record<string, number>;
  /** Arrival times (epoch ms) of each key's calls, first 20 per key: "no call before Retry-After". */
  callTimes: Record<string, number[]>;
  /** Arrival time (epoch ms) of the last MAX_TIMESTAMPS calls. */
  timestamps: number[];
  byStatus: Record<string, number>;
  inFlight: number;
  maxConcurrent: number;
}

export interface FakeEnhancer {
  url: string;
  port: number;
  stats(): FakeEnhancerStats;
  config(): FakeEnhancerConfig;
  setConfig(partial: Partial<FakeEnhancerConfig>): FakeEnhancerConfig;
  /** Clears the stats and restores the configuration given at start. */
  reset(): void;
  close(): Promise<void>;
}

const MAX_TIMESTAMPS = 50_000;
const MAX_BODY_BYTES = 64 * 1024 * 1024;

export async function startFakeEnhancer(options: FakeEnhancerOptions = {}): Promise<FakeEnhancer> {
  const { port = 0, host = "127.0.0.1", ...knobs } = options;
  const initial = fakeEnhancerConfigSchema.parse(knobs);
  let config = initial;
  let stats = emptyStats();

  const server = http.createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { code: "fake_crashed", message: String(error) } });
      else res.destroy();
    });
  });

  async function route(req: http.IncomingMessage, res: http.ServerResponse) {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path === "/_stats" && req.method === "GET") return sendJson(res, 200, snapshot());
    if (path === "/_config" && req.method === "GET") return sendJson(res, 200, config);
    if (path === "/_config" && req.method === "POST") {
      let json: unknown;
      try {
        json = JSON.parse((await readBody(req)).toString("utf8") || "{}");
      } catch {
        return sendJson(res, 400, { error: { code: "bad_json", message: "POST /_config takes a JSON object" } });
      }
      if (typeof json !== "object" || json === null || Array.isArray(json)) {
        return sendJson(res, 400, { error: { code: "bad_config", message: "POST /_config takes a JSON object" } });
      }
      // Merged before parsing: the schema's defaults must not reset the knobs the body leaves out.
      const parsed = fakeEnhancerConfigSchema.safeParse({ ...config, ...json });
      if (!parsed.success) return sendJson(res, 400, { error: { code: "bad_config", message: z.prettifyError(parsed.error) } });
      config = parsed.data;
      return sendJson(res, 200, config);
    }
    if (path === "/_reset" && req.method === "POST") {
      reset();
      return sendJson(res, 200, { ok: true });
    }
    if (req.method !== "POST") return sendJson(res, 405, { error: { code: "method_not_allowed", message: "POST a frame" } });
    return enhance(req, res);
  }

  async function enhance(req: http.IncomingMessage, res: http.ServerResponse) {
    const arrivedAt = Date.now();
    stats.inFlight++;
    stats.maxConcurrent = Math.max(stats.maxConcurrent, stats.inFlight);
    res.once("close", () => stats.inFlight--);
    const answer = (status: number) => (stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1);

    const key = header(req, "idempotency-key");
    const frameIndex = Number(header(req, "x-frame-index"));
    const callOrdinal = ++stats.calls;
    const callNumber = key ? (stats.perKey[key] = (stats.perKey[key] ?? 0) + 1) : 0;
    stats.timestamps.push(arrivedAt);
    if (key && callNumber <= 20) (stats.callTimes[key] ??= []).push(arrivedAt);
    if (stats.timestamps.length > MAX_TIMESTAMPS) stats.timestamps.splice(0, stats.timestamps.length - MAX_TIMESTAMPS);
    const body = await readBody(req);
    const c = config;
    if (c.latencyMs > 0) await new Promise((r) => setTimeout(r, c.latencyMs));

    const fail = (status: number, code: string, message: string, headers: Record<string, string> = {}) => {
      answer(status);
      sendJson(res, status, { error: { code, message } }, headers);
    };
    if (!key) return fail(400, "missing_idempotency_key", "Idempotency-Key header is required");
    if (!Number.isInteger(frameIndex) || frameIndex < 0) return fail(400, "bad_frame_index", "X-Frame-Index must be a frame number");
    const type = header(req, "content-type") ?? "";
    if (!/^image\/(jpeg|png)\b/.test(type)) return fail(415, "unsupported_media_type", `expected image/jpeg or image/png, got ${type || "nothing"}`);

    if (c.outage && Date.now() < c.outage.untilMs) {
      const retryAfter = c.outage.retryAfterSec ?? Math.ceil((c.outage.untilMs - Date.now()) / 1000);
      return fail(c.outage.status, "unavailable", "service unavailable (maintenance)", { "Retry-After": String(retryAfter) });
    }
    const rl = c.rateLimit429;
    const limited =
      rl &&
      ((rl.everyN !== undefined && callOrdinal % rl.everyN === 0) ||
        rl.calls?.includes(callOrdinal) ||
        (rl.frames?.includes(frameIndex) && callNumber === 1));
    if (limited) {
      const retryAfter = rl.httpDate ? new Date(Date.now() + rl.retryAfterSec * 1000).toUTCString() : String(rl.retryAfterSec);
      return fail(429, "rate_limited", "too many requests", { "Retry-After": retryAfter });
    }
    if (c.flakyFrames && frameIndex % c.flakyFrames.every === 0 && callNumber <= c.flakyFrames.calls) {
      return fail(c.flakyFrames.status, "flaky_frame", `frame ${frameIndex} failed on call ${callNumber}`);
    }
    if (c.failFrames.includes(frameIndex)) {
      return fail(c.failStatus, "frame_rejected", `frame ${frameIndex} rejected: unsupported content in block ${frameIndex * 7 + 3}`);
    }
    if (c.failureRate > 0 && unitHash(c.seed, key, callNumber, "fail") < c.failureRate) {
      return fail(c.failureStatus, "internal", `simulated failure for request ${Math.floor(unitHash(c.seed, key, callNumber, "id") * 1e9)}`);
    }
    const garbage =
      (c.garbageFrames.includes(frameIndex) && callNumber === 1) ||
      (c.garbageRate > 0 && unitHash(c.seed, key, callNumber, "garbage") < c.garbageRate);
    if (garbage) {
      answer(200);
      // Content-Type lies, as a misbehaving proxy's error page would.
      res.writeHead(200, { "Content-Type": "image/jpeg" });
      return res.end("<html><body><h1>502 Bad Gateway</h1></body></html>");
    }

    let image: ReturnType<typeof sharp>;
    try {
      const meta = await sharp(body).metadata();
      image = sharp(body, { failOn: "truncated" }).linear(1, 16);
      if (c.wrongSizeFrames.includes(frameIndex) && callNumber === 1) {
        image = image.resize(Math.max(1, Math.floor(meta.width / 2)), Math.max(1, Math.floor(meta.height / 2)));
      }
      const out = await image.jpeg({ quality: 90 }).toBuffer();
      answer(200);
      res.writeHead(200, { "Content-Type": "image/jpeg", "Content-Length": out.length });
      res.end(out);
    } catch (error) {
      fail(400, "undecodable", `body is not a decodable image: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  function snapshot(): FakeEnhancerStats {
    return { ...stats, perKey: { ...stats.perKey }, callTimes: Object.fromEntries(Object.entries(stats.callTimes).map(([k, v]) => [k, [...v]])), timestamps: [...stats.timestamps], byStatus: { ...stats.byStatus } };
  }
  function setConfig(partial: Partial<FakeEnhancerConfig>): FakeEnhancerConfig {
    config = fakeEnhancerConfigSchema.parse({ ...config, ...partial });
    return config;
  }
  function reset() {
    const inFlight = stats.inFlight;
    stats = { ...emptyStats(), inFlight };
    config = initial;
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}/enhance`,
    port: address.port,
    stats: snapshot,
    config: () => config,
    setConfig,
    reset,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function emptyStats(): FakeEnhancerStats {
  return { calls: 0, perKey: {}, callTimes: {}, timestamps: [], byStatus: {}, inFlight: 0, maxConcurrent: 0 };
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new Error("body too large");
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

function sendJson(res: http.ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}) {
  const body = JSON.stringify(value);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body), ...headers });
  res.end(body);
}

/** FNV-1a over the parts, then a murmur finaliser: a stable number in [0, 1). */
function unitHash(...parts: (string | number)[]): number {
  let h = 0x811c9dc5;
  for (const ch of parts.join("\u0000")) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 2 ** 32;
}
