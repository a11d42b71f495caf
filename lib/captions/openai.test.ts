import { execFile } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ffmpegPath } from "@/lib/media/binaries";
import { TranscriptionError } from "./errors";
import { createOpenAiTranscriber, type OpenAiTranscriberOptions } from "./openai";
import { transcribeToVtt } from "./transcribe-audio";
import { cueProblems } from "./cues";
import { parseVtt } from "./vtt";

// A stand-in for an OpenAI-compatible /v1/audio/transcriptions that really
// listens: the audio is tones at known times, each frequency is a "word",
// and the server finds them in the WAV it receives and answers verbose_json
// with their times *within that upload*. So the cues can only land at the
// right times if the client cut, sent and re-offset the chunks correctly.

const run = promisify(execFile);
const WORDS: Record<number, string> = { 440: "alpha", 660: "bravo", 880: "charlie", 1100: "delta", 1320: "echo" };
// [start, end, Hz] on the file's timeline; silence in between.
const TONES: [number, number, number][] = [
  [1.0, 2.0, 440],
  [3.5, 4.5, 660],
  [6.0, 7.5, 880],
  [9.0, 10.0, 1100],
  [11.5, 13.0, 1320],
];
const TOTAL_SEC = 14;

let work: string;
let tonesAudio: string;
let shortAudio: string;
let server: http.Server;
let baseUrl: string;

interface SeenRequest {
  fields: Record<string, string[]>;
  fileName: string;
  fileBytes: number;
  authorization?: string;
}
let seen: SeenRequest[] = [];
/** What the next requests get before the normal answer: a status (+ headers/body), or "hang". */
let script: ({ status: number; body?: string; headers?: Record<string, string> } | "hang")[] = [];

async function makeToneAudio(file: string, tones: [number, number, number][], seconds: number) {
  const expr = tones.reduce((acc, [a, b, hz]) => `if(between(t,${a},${b}),0.5*sin(2*PI*${hz}*t),${acc})`, "0");
  await run(ffmpegPath(), ["-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", `aevalsrc='${expr}':s=44100:d=${seconds}`, "-c:a", "aac", "-b:a", "96k", file]);
  return file;
}

/** Tone bursts in 16 kHz mono s16 PCM -> verbose_json segments, times relative to this upload. */
function recognise(wav: Buffer): { start: number; end: number; text: string }[] {
  expect(wav.toString("ascii", 0, 4)).toBe("RIFF");
  expect(wav.readUInt32LE(24)).toBe(16000);
  const pcm = new Int16Array(wav.buffer.slice(wav.byteOffset + 44, wav.byteOffset + wav.length));
  const win = 320; // 20 ms
  const loud: boolean[] = [];
  for (let i = 0; i + win <= pcm.length; i += win) {
    let sq = 0;
    for (let j = i; j < i + win; j++) sq += pcm[j]! ** 2;
    loud.push(Math.sqrt(sq / win) > 2000);
  }
  const segments: { start: number; end: number; text: string }[] = [];
  for (let w = 0; w < loud.length; ) {
    if (!loud[w]) {
      w++;
      continue;
    }
    let e = w;
    while (e < loud.length && loud[e]) e++;
    let crossings = 0;
    for (let j = w * win + 1; j < e * win; j++) if ((pcm[j - 1]! < 0) !== (pcm[j]! < 0)) crossings++;
    const hz = crossings / 2 / (((e - w) * win) / 16000);
    const nearest = Object.keys(WORDS).map(Number).reduce((a, b) => (Math.abs(b - hz) < Math.abs(a - hz) ? b : a));
    segments.push({ start: (w * win) / 16000, end: (e * win) / 16000, text: ` ${WORDS[nearest]}.` });
    w = e;
  }
  return segments;
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), "framewise-openai-"));
  [tonesAudio, shortAudio] = await Promise.all([
    makeToneAudio(path.join(work, "tones.m4a"), TONES, TOTAL_SEC),
    makeToneAudio(path.join(work, "short.m4a"), [[0.5, 1.5, 660]], 2),
  ]);
  server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const form = await new Request("http://fake", { method: "POST", headers: { "content-type": req.headers["content-type"] ?? "" }, body }).formData();
    const file = form.get("file");
    const fields: Record<string, string[]> = {};
    for (const [k, v] of form.entries()) if (typeof v === "string") (fields[k] ??= []).push(v);
    const wav = file instanceof File ? Buffer.from(await file.arrayBuffer()) : Buffer.alloc(0);
    seen.push({ fields, fileName: file instanceof File ? file.name : "", fileBytes: wav.length, authorization: req.headers.authorization });

    const scripted = script.shift();
    if (scripted === "hang") return; // never answers; the client's timeout must fire
    if (scripted) {
      res.writeHead(scripted.status, { "content-type": "application/json", ...scripted.headers });
      return res.end(scripted.body ?? JSON.stringify({ error: { message: `scripted ${scripted.status}` } }));
    }
    if (req.method !== "POST" || req.url !== "/v1/audio/transcriptions" || !(file instanceof File) || fields.model?.[0] !== "whisper-test") {
      res.writeHead(400, { "content-type": "application/json" });
      return res.end(JSON.stringify({ error: { message: `bad request: ${req.method} ${req.url} model=${fields.model}`, type: "invalid_request_error" } }));
    }
    const segments = recognise(wav).map((s, id) => ({ id, seek: 0, ...s, tokens: [], temperature: 0, avg_logprob: -0.2, compression_ratio: 1, no_speech_prob: 0.01 }));
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ task: "transcribe", language: "english", duration: (wav.length - 44) / 32000, text: segments.map((s) => s.text).join(""), segments }));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(async () => {
  server?.closeAllConnections();
  server?.close();
  await rm(work, { recursive: true, force: true });
});

beforeEach(() => {
  seen = [];
  script = [];
});

const transcriber = (options: Partial<OpenAiTranscriberOptions> = {}) =>
  createOpenAiTranscriber({ url: baseUrl, apiKey: "test-key", model: "whisper-test", retry: { baseDelayMs: 20, maxDelayMs: 100 }, ...options });

function expectTonesAtTheirTimes(segments: { startSec: number; endSec: number; text: string }[]) {
  expect(segments.map((s) => s.text)).toEqual(TONES.map(([, , hz]) => `${WORDS[hz]}.`));
  segments.forEach((s, i) => {
    const [start, end] = TONES[i]!;
    expect(Math.abs(s.startSec - start)).toBeLessThan(0.1);
    expect(Math.abs(s.endSec - end)).toBeLessThan(0.1);
  });
}

describe("openai transcriber", () => {
  it("sends multipart file + model + verbose_json and places the segments on the timeline", async () => {
    const segments = await transcriber().transcribe(tonesAudio);
    expect(seen).toHaveLength(1);
    const [request] = seen;
    expect(request!.authorization).toBe("Bearer test-key");
    expect(request!.fileName).toMatch(/\.wav$/);
    expect(request!.fields).toMatchObject({ model: ["whisper-test"], response_format: ["verbose_json"], "timestamp_granularities[]": ["segment"] });
    // 16 kHz mono s16 WAV: 32,000 bytes a second (+ the AAC decoder's last partial frame).
    expect(Math.abs(request!.fileBytes - 44 - TOTAL_SEC * 32000)).toBeLessThan(0.01 * 32000);
    expectTonesAtTheirTimes(segments);
  });

  it("splits long audio at silences under the size limit and stitches the timestamps back", async () => {
    const maxChunkBytes = 44 + 5 * 32000; // 5 s per upload
    const outPath = path.join(work, "chunked.vtt");
    const progress: number[] = [];
    const result = await transcribeToVtt({ audioPath: tonesAudio, outPath, transcriber: transcriber({ maxChunkBytes }), onProgress: (f) => progress.push(f) });

    expect(seen.length).toBeGreaterThanOrEqual(3);
    for (const r of seen) expect(r.fileBytes).toBeLessThanOrEqual(maxChunkBytes);
    // Nothing lost or sent twice; each tone heard whole in one upload is what expectTonesAtTheirTimes shows.
    expect(Math.abs(seen.reduce((n, r) => n + r.fileBytes - 44, 0) - TOTAL_SEC * 32000)).toBeLessThan(0.01 * 32000);
    // Later chunks carry the text before them as the prompt.
    expect(seen[1]!.fields.prompt?.[0]).toContain("alpha");

    const { cues } = parseVtt(await readFile(outPath, "utf8"));
    expect(cueProblems(cues)).toEqual([]);
    expectTonesAtTheirTimes(cues);
    expect(result.cues).toHaveLength(TONES.length);
    expect(result.durationSec).toBeCloseTo(TOTAL_SEC, 1);
    expect(progress.at(-1)).toBe(1);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
  });

  it("retries a 500, then a 429 after its Retry-After, and succeeds", async () => {
    script = [{ status: 500 }, { status: 429, headers: { "retry-after": "1" } }];
    const started = Date.now();
    const segments = await transcriber().transcribe(shortAudio);
    expect(seen).toHaveLength(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(segments).toMatchObject([{ text: "bravo." }]);
    expect(segments[0]!.startSec).toBeCloseTo(0.5, 1);
  });

  it("retries a request that times out", async () => {
    script = ["hang"];
    const segments = await transcriber({ timeoutMs: 400 }).transcribe(shortAudio);
    expect(seen).toHaveLength(2);
    expect(segments).toMatchObject([{ text: "bravo." }]);
  });

  it("fails at once on a 400, with class, status and a bounded body excerpt", async () => {
    const longMessage = `Invalid file format. ${"x".repeat(5000)}`;
    script = [{ status: 400, body: JSON.stringify({ error: { message: longMessage, type: "invalid_request_error" } }) }];
    const error = await transcriber().transcribe(shortAudio).then(
      () => expect.unreachable(),
      (e: unknown) => e,
    );
    expect(seen).toHaveLength(1);
    expect(error).toBeInstanceOf(TranscriptionError);
    const meta = (error as TranscriptionError).toMetadata();
    expect(meta).toMatchObject({ class: "TranscriberHttpError", httpStatus: 400, retryable: false, attempt: 1, transcriber: "openai", chunk: { index: 0, count: 1 } });
    expect(meta.message).toMatch(/^HTTP 400: Invalid file format/);
    expect(meta.bodyExcerpt).toMatch(/^\{"error":\{"message":"Invalid file format\. x+…$/);
    expect(meta.bodyExcerpt!.length).toBeLessThanOrEqual(1001);
    expect(JSON.parse(JSON.stringify(meta))).toEqual(meta);
  });

  it("gives up after the attempt limit with a retryable error for the stage", async () => {
    script = [{ status: 503 }, { status: 503 }, { status: 503 }];
    const error = (await transcriber({ retry: { maxAttempts: 3, baseDelayMs: 10 } }).transcribe(shortAudio).catch((e: unknown) => e)) as TranscriptionError;
    expect(seen).toHaveLength(3);
    expect(error.toMetadata()).toMatchObject({ class: "TranscriberHttpError", httpStatus: 503, retryable: true, attempt: 3 });
  });

  it("stops when canceled, without retrying", async () => {
    script = ["hang", "hang"];
    const controller = new AbortController();
    const pending = transcriber().transcribe(shortAudio, { signal: controller.signal });
    while (seen.length === 0) await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
    expect(seen).toHaveLength(1);
  });

  it("refuses a file without audio as a permanent input error", async () => {
    const silentVideo = path.join(work, "no-audio.mp4");
    await run(ffmpegPath(), ["-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=s=64x64:d=1", "-c:v", "libx264", "-preset", "ultrafast", silentVideo]);
    await expect(transcriber().transcribe(silentVideo)).rejects.toMatchObject({ name: "TranscriberInputError", retryable: false });
    expect(seen).toHaveLength(0);
  });
});
