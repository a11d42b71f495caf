import { execFile } from "node:child_process";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { ffmpegPath } from "@/lib/media/binaries";
import { TranscriptionError } from "./errors";
import { parseRetryAfter, transcriptionsUrl } from "./openai-request";
import { captionsEnvShape, CAPTIONS_OFF_REASON, NO_TRANSCRIBER_REASON, selectTranscriber, transcriberConfigFromEnv, transcriberSkipReason } from "./transcriber";
import { parseWhisperCppJson } from "./whisper-cpp";

const run = promisify(execFile);
let work: string;
let model: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), "framewise-stt-select-"));
  model = path.join(work, "ggml-tiny.en.bin");
  await writeFile(model, "not really a model");
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe("selectTranscriber", () => {
  it("prefers an endpoint, then whisper.cpp, then an installed pocketsphinx, else none", () => {
    expect(selectTranscriber({ url: "http://stt.local/v1", whisperModel: model })?.name).toBe("openai");
    expect(selectTranscriber({ whisperModel: model })?.name).toBe("whisper-cpp");
    expect(selectTranscriber({ pocketsphinx: { bin: "/usr/bin/pocketsphinx_continuous" } })?.name).toBe("pocketsphinx");
    expect(selectTranscriber({ pocketsphinx: { bin: path.join(work, "no-such-binary") } })).toBeNull();
    expect(selectTranscriber({ pocketsphinx: { modelDir: path.join(work, "no-model") } })).toBeNull();
    expect(selectTranscriber({ pocketsphinx: false })).toBeNull();
    expect(transcriberSkipReason({})).toBe(NO_TRANSCRIBER_REASON);
  });

  it("is off with CAPTIONS=off whatever else is set", () => {
    const config = { captions: "off" as const, url: "http://stt.local/v1" };
    expect(selectTranscriber(config)).toBeNull();
    expect(transcriberSkipReason(config)).toBe(CAPTIONS_OFF_REASON);
  });

  it("refuses a half-done whisper.cpp configuration at once", () => {
    expect(() => selectTranscriber({ whisperCppBin: "/opt/whisper/whisper-cli" })).toThrow(/WHISPER_MODEL/);
    expect(() => selectTranscriber({ whisperModel: path.join(work, "missing.bin") })).toThrow(TranscriptionError);
  });

  it("reads its configuration from validated env variables", () => {
    const env = z.object(captionsEnvShape).parse({ TRANSCRIBER_URL: "https://api.openai.com/v1", TRANSCRIBER_API_KEY: "sk-x", TRANSCRIBER_MODEL: "whisper-1" });
    expect(transcriberConfigFromEnv(env)).toMatchObject({ captions: "auto", url: "https://api.openai.com/v1", apiKey: "sk-x", model: "whisper-1" });
    expect(() => z.object(captionsEnvShape).parse({ CAPTIONS: "sometimes" })).toThrow();
  });
});

describe("openai request helpers", () => {
  it("reads Retry-After as seconds or as an HTTP date", () => {
    const now = Date.parse("Wed, 21 Oct 2026 07:28:00 GMT");
    expect(parseRetryAfter("3", now)).toBe(3000);
    expect(parseRetryAfter("Wed, 21 Oct 2026 07:28:10 GMT", now)).toBe(10_000);
    expect(parseRetryAfter("Wed, 21 Oct 2026 07:27:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it("completes a base URL and keeps a full endpoint URL", () => {
    expect(transcriptionsUrl("https://api.openai.com/v1")).toBe("https://api.openai.com/v1/audio/transcriptions");
    expect(transcriptionsUrl("https://api.groq.com/openai/v1/")).toBe("https://api.groq.com/openai/v1/audio/transcriptions");
    expect(transcriptionsUrl("http://stt:8000")).toBe("http://stt:8000/v1/audio/transcriptions");
    expect(transcriptionsUrl("http://whisper:8080/inference")).toBe("http://whisper:8080/inference");
    expect(transcriptionsUrl("http://stt:8000/v1/audio/transcriptions?x=1")).toBe("http://stt:8000/v1/audio/transcriptions?x=1");
  });
});

describe("whisper-cpp transcriber", () => {
  // A stand-in for whisper-cli that checks what it is given and writes what
  // the real one writes for -oj (examples/cli/cli.cpp output_json), including
  // its unescaped control characters and a non-speech marker.
  const FAKE = `
const fs = require("node:fs");
const args = process.argv.slice(2);
const arg = (flag) => args[args.indexOf(flag) + 1];
if (!fs.existsSync(arg("-m"))) { console.error("whisper_init_from_file: failed to load model"); console.error("error: failed to initialize whisper context"); process.exit(3); }
const wav = fs.readFileSync(arg("-f"));
if (wav.toString("ascii", 0, 4) !== "RIFF" || wav.readUInt32LE(24) !== 16000 || wav.readUInt16LE(22) !== 1) { console.error("error: expected 16 kHz mono WAV"); process.exit(4); }
if (!args.includes("-oj") || !args.includes("-of")) process.exit(5);
for (const p of [0, 50, 100]) console.error("whisper_print_progress_callback: progress = " + String(p).padStart(3) + "%");
fs.copyFileSync(__filename + ".json", arg("-of") + ".json");
`;
  const seg = (from: number, to: number, text: string) =>
    `\t\t{\n\t\t\t"timestamps": {\n\t\t\t\t"from": "x",\n\t\t\t\t"to": "y"\n\t\t\t},\n\t\t\t"offsets": {\n\t\t\t\t"from": ${from},\n\t\t\t\t"to": ${to}\n\t\t\t},\n\t\t\t"text": "${text}"\n\t\t}`;
  const OUTPUT = `{\n\t"systeminfo": "AVX = 1",\n\t"model": {\n\t\t"type": "tiny"\n\t},\n\t"result": {\n\t\t"language": "en"\n\t},\n\t"transcription": [\n${[
    seg(0, 1500, " Hello,\tworld."), // a raw tab: whisper-cli does not escape it
    seg(1500, 2000, " [BLANK_AUDIO]"),
    seg(2000, 3250, ' He said \\"hi\\".'),
  ].join(",\n")}\n\t]\n}\n`;

  it("converts the audio, runs whisper-cli -oj and reads segments and progress", async () => {
    const bin = path.join(work, "whisper-cli");
    await writeFile(bin, `#!${process.execPath}\n${FAKE}`);
    await writeFile(`${bin}.json`, OUTPUT);
    await chmod(bin, 0o755);
    const audio = path.join(work, "tone.m4a");
    await run(ffmpegPath(), ["-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=300:duration=3.5", "-c:a", "aac", audio]);

    const transcriber = selectTranscriber({ whisperCppBin: bin, whisperModel: model });
    const progress: number[] = [];
    const segments = await transcriber!.transcribe(audio, { onProgress: (f) => progress.push(f) });
    expect(segments).toEqual([
      { startSec: 0, endSec: 1.5, text: "Hello, world." },
      { startSec: 2, endSec: 3.25, text: 'He said "hi".' },
    ]);
    expect(progress.at(-1)).toBe(1);

    // A model it cannot load: the process error carries whisper's own last line.
    const broken = selectTranscriber({ whisperCppBin: bin, whisperModel: model })!;
    await rm(model);
    const error = (await broken.transcribe(audio).catch((e: unknown) => e)) as TranscriptionError;
    await writeFile(model, "not really a model");
    expect(error.toMetadata()).toMatchObject({ class: "TranscriberProcessError", exitCode: 3, retryable: false, transcriber: "whisper-cpp" });
    expect(error.message).toContain("error: failed to initialize whisper context");
    expect(error.metadata.stderrExcerpt).toContain("failed to load model");
  });

  it("reports unreadable output as an output error", () => {
    expect(() => parseWhisperCppJson("{ nope")).toThrow(/does not parse/);
    expect(() => parseWhisperCppJson("{}")).toThrow(/no "transcription"/);
  });
});
