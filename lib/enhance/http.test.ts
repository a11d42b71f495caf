import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import sharp from "sharp";
import { createEnhancer } from "./enhancer";
import { EnhanceError } from "./errors";
import { startFakeEnhancer, type FakeEnhancer } from "./fake-service";

const WIDTH = 64;
const HEIGHT = 48;
const VIDEO = "5b0c6f7e-3a41-4d8e-9a57-6f2b1c0d9e88";
let fake: FakeEnhancer;
let frame: Buffer;

beforeAll(async () => {
  fake = await startFakeEnhancer();
  frame = await sharp({ create: { width: WIDTH, height: HEIGHT, channels: 3, background: "#405060" } }).jpeg().toBuffer();
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

const enhancer = (timeoutMs = 5000) => createEnhancer({ kind: "http", url: fake.url, timeoutMs });
const call = (frameIndex: number, timeoutMs?: number) =>
  enhancer(timeoutMs).enhance({ videoId: VIDEO, frameIndex, image: frame, width: WIDTH, height: HEIGHT });
async function failure(frameIndex: number, timeoutMs?: number): Promise<EnhanceError> {
  const error = await call(frameIndex, timeoutMs).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EnhanceError);
  return error as EnhanceError;
}

describe("http enhancer against the fake service", () => {
  it("sends the frame with Idempotency-Key and X-Frame-Index and returns a valid enhanced JPEG", async () => {
    const out = await call(7);
    const meta = await sharp(out).metadata();
    expect(meta).toMatchObject({ format: "jpeg", width: WIDTH, height: HEIGHT });
    expect(out.equals(frame)).toBe(false);
    // The fake answers 400 without the headers, so a 200 proves they were sent.
    expect(fake.stats()).toMatchObject({ calls: 1, perKey: { [`${VIDEO}:7`]: 1 }, byStatus: { 200: 1 } });
  });

  it("4xx is permanent, with the JSON error's message and a body excerpt", async () => {
    fake.setConfig({ failFrames: [3], failStatus: 422 });
    const e = await failure(3);
    expect(e).toMatchObject({ errorClass: "HttpError", httpStatus: 422, retryable: false });
    expect(e.message).toBe("HTTP 422: frame 3 rejected: unsupported content in block 24");
    expect(e.bodyExcerpt).toContain('"code":"frame_rejected"');
    expect(e.toMetadata().durationMs).toBeGreaterThanOrEqual(0);
  });

  it("5xx is retryable, and 503 carries Retry-After in seconds", async () => {
    fake.setConfig({ outage: { untilMs: Date.now() + 60_000, status: 503, retryAfterSec: 12 } });
    expect(await failure(1)).toMatchObject({ errorClass: "HttpError", httpStatus: 503, retryable: true, retryAfterMs: 12_000 });
    fake.setConfig({ outage: null, failureRate: 1, failureStatus: 500 });
    expect(await failure(1)).toMatchObject({ httpStatus: 500, retryable: true });
  });

  it("429 is retryable and Retry-After is read as seconds or as an HTTP date", async () => {
    fake.setConfig({ rateLimit429: { everyN: 1, retryAfterSec: 3, httpDate: false } });
    expect(await failure(1)).toMatchObject({ httpStatus: 429, retryable: true, retryAfterMs: 3000 });
    fake.setConfig({ rateLimit429: { everyN: 1, retryAfterSec: 30, httpDate: true } });
    const e = await failure(1);
    // An HTTP date has one-second resolution.
    expect(e.retryAfterMs).toBeGreaterThan(28_000);
    expect(e.retryAfterMs).toBeLessThanOrEqual(30_000);
  });

  it("a timeout is a retryable Timeout", async () => {
    fake.setConfig({ latencyMs: 1000 });
    const started = Date.now();
    const e = await failure(1, 150);
    expect(e).toMatchObject({ errorClass: "Timeout", retryable: true });
    expect(Date.now() - started).toBeLessThan(900);
  });

  it("the caller's signal aborts the call as Aborted, not Timeout", async () => {
    fake.setConfig({ latencyMs: 1000 });
    const controller = new AbortController();
    const pending = enhancer().enhance({ videoId: VIDEO, frameIndex: 1, image: frame, width: WIDTH, height: HEIGHT, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toMatchObject({ errorClass: "Aborted", retryable: true });
  });

  it("a 200 with a non-image body is a failed, retryable attempt", async () => {
    fake.setConfig({ garbageFrames: [5] });
    const e = await failure(5);
    expect(e).toMatchObject({ errorClass: "InvalidResponse", retryable: true, message: "response body is not an image" });
    expect(e.bodyExcerpt).toContain("502 Bad Gateway");
    // garbageFrames is transient: the retry succeeds.
    await expect(call(5)).resolves.toBeInstanceOf(Buffer);
  });

  it("a 200 with an image of the wrong size is a failed attempt", async () => {
    fake.setConfig({ wrongSizeFrames: [6] });
    const e = await failure(6);
    expect(e).toMatchObject({ errorClass: "InvalidResponse", retryable: true });
    expect(e.message).toBe(`response image is ${WIDTH / 2}x${HEIGHT / 2}, expected ${WIDTH}x${HEIGHT}`);
  });

  it("a refused connection is a retryable ConnectionError", async () => {
    const closed = await startFakeEnhancer();
    await closed.close();
    const e = await createEnhancer({ kind: "http", url: closed.url, timeoutMs: 2000 })
      .enhance({ videoId: VIDEO, frameIndex: 1, image: frame, width: WIDTH, height: HEIGHT })
      .catch((error: unknown) => error);
    expect(e).toMatchObject({ errorClass: "ConnectionError", retryable: true });
    expect((e as EnhanceError).message).toMatch(/^ECONNREFUSED/);
  });
});

describe("fake service control endpoints", () => {
  it("config, stats and reset work over HTTP for other processes", async () => {
    const base = fake.url.replace(/\/enhance$/, "");
    const configured = await fetch(`${base}/_config`, { method: "POST", body: JSON.stringify({ failFrames: [9] }) });
    expect(configured.status).toBe(200);
    await fetch(`${base}/_config`, { method: "POST", body: JSON.stringify({ latencyMs: 1 }) });
    expect(fake.config()).toMatchObject({ failFrames: [9], latencyMs: 1 });
    expect((await fetch(`${base}/_config`, { method: "POST", body: '{"latencyMs": -1}' })).status).toBe(400);
    await failure(9);
    await call(8);
    const stats = (await (await fetch(`${base}/_stats`)).json()) as { calls: number; perKey: Record<string, number>; timestamps: number[] };
    expect(stats.calls).toBe(2);
    expect(stats.perKey).toEqual({ [`${VIDEO}:9`]: 1, [`${VIDEO}:8`]: 1 });
    expect(stats.timestamps).toHaveLength(2);
    await fetch(`${base}/_reset`, { method: "POST" });
    expect(fake.stats().calls).toBe(0);
    expect(fake.config().failFrames).toEqual([]);
  });
});
