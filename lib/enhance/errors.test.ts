import { describe, expect, it } from "vitest";
import { EnhanceError, bodyExcerpt, classifyError, errorFingerprint, isRetryableStatus, parseRetryAfter } from "./errors";

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-11-29T12:00:00Z");
  it("reads delta-seconds", () => {
    expect(parseRetryAfter("7", now)).toBe(7000);
    expect(parseRetryAfter(" 0 ", now)).toBe(0);
  });
  it("reads an HTTP date relative to now, never negative", () => {
    expect(parseRetryAfter("Sun, 29 Nov 2026 12:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("Sun, 29 Nov 2026 11:00:00 GMT", now)).toBe(0);
  });
  it("ignores what is neither", () => {
    for (const v of [undefined, null, "", "soon", "-5", "1.5"]) expect(parseRetryAfter(v, now)).toBeUndefined();
  });
});

describe("errorFingerprint", () => {
  const fp = (message: string, httpStatus?: number, errorClass = "HttpError") =>
    errorFingerprint({ errorClass, message, ...(httpStatus ? { httpStatus } : {}) });

  it("groups messages that differ only in numbers, ids, hashes and quoted values", () => {
    expect(fp("HTTP 422: frame 17 rejected: unsupported content in block 122", 422)).toBe(
      fp("HTTP 422: frame 4031 rejected: unsupported content in block 28220", 422),
    );
    expect(fp("request 6f1c7a2e-8b1d-4c1e-9a51-0f2c3d4e5f60 failed on deadbeef01")).toBe(
      fp("request 0a9b8c7d-1e2f-4a5b-8c9d-0e1f2a3b4c5d failed on 00c0ffee99"),
    );
    expect(fp(`Unexpected token '<', "<html>..." is not valid JSON`)).toBe(fp(`Unexpected token 'x', "xyz" is not valid JSON`));
  });

  it("keeps apart different causes, statuses and classes", () => {
    expect(fp("HTTP 500: internal", 500)).not.toBe(fp("HTTP 503: internal", 503));
    expect(fp("frame rejected", 422)).not.toBe(fp("frame accepted", 422));
    expect(fp("timed out", undefined, "Timeout")).not.toBe(fp("timed out", undefined, "Error"));
    expect(fp("HTTP 500: x", 500)).toBe("HttpError|500|HTTP <n>: x");
  });
});

describe("bodyExcerpt", () => {
  it("bounds text to about 1 KB", () => {
    const excerpt = bodyExcerpt(Buffer.from("x".repeat(10_000)));
    expect(excerpt.length).toBeLessThanOrEqual(1024);
    expect(excerpt.endsWith("…")).toBe(true);
  });
  it("turns binary into a short hex preview without NUL (JSONB rejects \\u0000)", () => {
    const excerpt = bodyExcerpt(Buffer.from([0xff, 0xd8, 0xff, 0, 0, 1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0]));
    expect(excerpt).toMatch(/^\[binary, 16 bytes\] ffd8ff/);
    expect(excerpt).not.toContain("\u0000");
  });
});

describe("classifyError", () => {
  it("recognises connection errors wrapped by fetch", () => {
    const e = classifyError(new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" }) }));
    expect(e).toMatchObject({ errorClass: "ConnectionError", retryable: true });
  });
  it("recognises timeouts and aborts", () => {
    expect(classifyError(new DOMException("t", "TimeoutError"))).toMatchObject({ errorClass: "Timeout", retryable: true });
    expect(classifyError(new DOMException("a", "AbortError"))).toMatchObject({ errorClass: "Aborted" });
  });
  it("passes EnhanceError through and keeps unknown errors retryable", () => {
    const own = new EnhanceError({ errorClass: "HttpError", message: "HTTP 400", httpStatus: 400, retryable: false });
    expect(classifyError(own)).toBe(own);
    expect(classifyError(new RangeError("boom"))).toMatchObject({ errorClass: "RangeError", retryable: true });
  });
  it("produces plain JSON metadata", () => {
    const meta = new EnhanceError({ errorClass: "HttpError", message: "HTTP 503\u0000", httpStatus: 503, retryable: true, retryAfterMs: 2000 }).toMetadata();
    expect(JSON.parse(JSON.stringify(meta))).toEqual({ errorClass: "HttpError", message: "HTTP 503", httpStatus: 503, retryable: true, retryAfterMs: 2000 });
  });
});

it("retries 408, 429 and 5xx only", () => {
  expect([400, 401, 404, 408, 409, 422, 429, 500, 502, 503].filter(isRetryableStatus)).toEqual([408, 429, 500, 502, 503]);
});
