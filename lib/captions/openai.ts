import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ffmpegPath as defaultFfmpegPath } from "@/lib/media/binaries";
import { planChunks } from "./chunk-plan";
import { postWithRetries, transcriptionsUrl, type RetryPolicy, type VerboseJson } from "./openai-request";
import { convertToSpeechWav, readWavLayout, readWavSlice, SPEECH_BYTES_PER_SEC, SPEECH_SAMPLE_RATE, WAV_HEADER_BYTES } from "./speech-wav";
import type { Segment, Transcriber, TranscribeOptions } from "./transcriber";

// Any OpenAI-compatible speech-to-text endpoint: OpenAI, Groq, Azure-style
// proxies, and the self-hosted whisper servers (faster-whisper-server /
// speaches, LocalAI, whisper.cpp's server with --convert). The audio is sent
// as 16 kHz mono WAV, the one format all of them accept; long audio goes in
// pieces under the upload limit, cut at pauses, and each piece's timestamps
// are shifted by where it starts.

export const DEFAULT_MAX_CHUNK_BYTES = 24 * 1024 * 1024;

export interface OpenAiTranscriberOptions {
  url: string;
  apiKey?: string;
  /** "whisper-1" on OpenAI; self-hosted servers name their own models. */
  model?: string;
  language?: string;
  /** Upload limit per request, WAV header included (OpenAI's is 25 MB). */
  maxChunkBytes?: number;
  /** Per request, upload included. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  ffmpegPath?: string;
  fetch?: typeof fetch;
  /** Where the temporary WAV goes (it is ~115 MB per hour of audio). */
  tmpDir?: string;
}

const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 30_000, maxRetryAfterMs: 120_000 };
// Whisper takes earlier text as a prompt: passing the end of the previous
// chunk keeps spelling and punctuation consistent across a cut.
const PROMPT_CHARS = 200;

export function createOpenAiTranscriber(options: OpenAiTranscriberOptions): Transcriber {
  const url = transcriptionsUrl(options.url);
  const model = options.model ?? "whisper-1";
  const maxChunkBytes = options.maxChunkBytes ?? DEFAULT_MAX_CHUNK_BYTES;
  const maxChunkSec = Math.floor(((maxChunkBytes - WAV_HEADER_BYTES) / SPEECH_BYTES_PER_SEC) * 100) / 100;
  if (maxChunkSec < 1) throw new RangeError(`maxChunkBytes ${maxChunkBytes} is too small for one second of audio`);
  const retry = { ...DEFAULT_RETRY, ...options.retry };
  const timeoutMs = options.timeoutMs ?? 300_000;

  return {
    name: "openai",
    async transcribe(audioPath: string, { signal, onProgress }: TranscribeOptions = {}): Promise<Segment[]> {
      const dir = await mkdtemp(path.join(options.tmpDir ?? os.tmpdir(), "framewise-stt-"));
      try {
        const wav = path.join(dir, "speech.wav");
        const { durationSec, silences } = await convertToSpeechWav({
          input: audioPath,
          output: wav,
          ffmpegPath: options.ffmpegPath ?? defaultFfmpegPath(),
          transcriber: "openai",
          detectSilence: { noiseDb: -35, minSec: 0.3 },
          signal,
        });
        onProgress?.(0.05);
        const layout = await readWavLayout(wav);
        const chunks = planChunks({ durationSec, maxChunkSec, silences });
        const segments: Segment[] = [];
        let prompt: string | undefined;
        for (const chunk of chunks) {
          const startSample = Math.round(chunk.startSec * SPEECH_SAMPLE_RATE);
          const endSample = Math.round(chunk.endSec * SPEECH_SAMPLE_RATE);
          // Offsets from the sample index actually cut, not the planned float.
          const offsetSec = startSample / SPEECH_SAMPLE_RATE;
          const endSec = endSample / SPEECH_SAMPLE_RATE;
          if (endSample <= startSample) continue;
          const data = await readWavSlice(wav, layout, startSample, endSample);
          const answer = await postWithRetries(
            {
              url,
              apiKey: options.apiKey,
              model,
              language: options.language,
              prompt,
              file: { name: `chunk-${String(chunk.index).padStart(3, "0")}.wav`, data, type: "audio/wav" },
              timeoutMs,
              signal,
              fetch: options.fetch ?? fetch,
              chunk: { index: chunk.index, count: chunks.length, startSec: offsetSec, endSec },
            },
            retry,
          );
          const placed = placeSegments(answer, offsetSec, endSec);
          segments.push(...placed);
          const text = placed.map((s) => s.text).join(" ").trim();
          prompt = text ? text.slice(-PROMPT_CHARS) : prompt;
          onProgress?.(0.05 + 0.95 * (endSec / durationSec));
        }
        return segments;
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

/** A chunk's segments on the whole file's timeline, clipped to the chunk. */
export function placeSegments(answer: VerboseJson, offsetSec: number, endSec: number): Segment[] {
  const round = (t: number) => Math.round(t * 1000) / 1000;
  const clip = (t: number) => round(Math.min(endSec, Math.max(offsetSec, offsetSec + t)));
  const words = (answer.words ?? []).map((w) => ({ text: w.word.trim(), startSec: clip(w.start), endSec: clip(w.end) })).filter((w) => w.text);
  const raw = answer.segments ?? (answer.text?.trim() ? [{ start: 0, end: endSec - offsetSec, text: answer.text }] : []);
  return raw
    .map((s) => {
      const startSec = clip(s.start);
      const end = clip(s.end);
      const own = words.filter((w) => w.startSec >= startSec && w.endSec <= end);
      return { startSec, endSec: end, text: s.text.trim(), ...(own.length ? { words: own } : {}) };
    })
    // Whisper sometimes reports a segment past the end of what it heard.
    .filter((s) => s.text !== "" && s.endSec > s.startSec);
}
