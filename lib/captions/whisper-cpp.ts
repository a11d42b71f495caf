import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ffmpegPath as defaultFfmpegPath } from "@/lib/media/binaries";
import { TranscriptionError } from "./errors";
import { runProcess } from "./run-process";
import { convertToSpeechWav } from "./speech-wav";
import type { Segment, Transcriber, TranscribeOptions } from "./transcriber";

// whisper.cpp's command-line program (`whisper-cli`; `main` in builds before
// 2025) with a ggml model file. It reads 16 kHz WAV; we ask for its JSON
// output (-oj), whose "transcription" array has each segment's text and
// "offsets" {from, to} in milliseconds, and read progress from -pp lines
// ("whisper_print_progress_callback: progress =  40%") on stderr.

export interface WhisperCppOptions {
  bin: string;
  model: string;
  /** "auto" detects; whisper-cli's own default is "en". */
  language?: string;
  threads?: number;
  ffmpegPath?: string;
  tmpDir?: string;
}

export function createWhisperCppTranscriber(options: WhisperCppOptions): Transcriber {
  return {
    name: "whisper-cpp",
    async transcribe(audioPath: string, { signal, onProgress }: TranscribeOptions = {}): Promise<Segment[]> {
      const dir = await mkdtemp(path.join(options.tmpDir ?? os.tmpdir(), "framewise-whisper-"));
      try {
        const wav = path.join(dir, "speech.wav");
        await convertToSpeechWav({ input: audioPath, output: wav, ffmpegPath: options.ffmpegPath ?? defaultFfmpegPath(), transcriber: "whisper-cpp", signal });
        onProgress?.(0.02);
        const outBase = path.join(dir, "transcript");
        const args = [
          "-m",
          options.model,
          "-f",
          wav,
          "-oj",
          "-of",
          outBase,
          "-np",
          "-pp",
          ...(options.language ? ["-l", options.language] : []),
          ...(options.threads ? ["-t", String(options.threads)] : []),
        ];
        await runProcess(options.bin, args, {
          signal,
          transcriber: "whisper-cpp",
          onStderrLine: (line) => {
            const m = /progress =\s*(\d+)%/.exec(line);
            if (m) onProgress?.(0.02 + 0.98 * Math.min(1, Number(m[1]) / 100));
          },
        });
        let raw: string;
        try {
          raw = await readFile(`${outBase}.json`, "utf8");
        } catch (error) {
          throw new TranscriptionError({ class: "TranscriberOutputError", message: "whisper-cli wrote no JSON output", retryable: false, transcriber: "whisper-cpp" }, { cause: error });
        }
        return parseWhisperCppJson(raw);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

/** whisper-cli -oj output -> segments, without its non-speech markers ("[BLANK_AUDIO]", "(music)"). */
export function parseWhisperCppJson(raw: string): Segment[] {
  let doc: { transcription?: { offsets?: { from?: number; to?: number }; text?: string }[] };
  try {
    // whisper-cli escapes only quotes and backslashes: a raw tab or newline
    // inside a text value is invalid JSON. Outside strings they are plain
    // whitespace, so turning every control character into a space is safe.
    doc = JSON.parse(raw.replace(/[\u0000-\u001f]/g, " "));
  } catch (error) {
    throw new TranscriptionError(
      { class: "TranscriberOutputError", message: "whisper-cli JSON output does not parse", retryable: false, transcriber: "whisper-cpp", bodyExcerpt: raw },
      { cause: error },
    );
  }
  if (!Array.isArray(doc.transcription)) {
    throw new TranscriptionError({ class: "TranscriberOutputError", message: 'whisper-cli JSON output has no "transcription"', retryable: false, transcriber: "whisper-cpp", bodyExcerpt: raw });
  }
  return doc.transcription
    .map((s) => ({
      startSec: (s.offsets?.from ?? 0) / 1000,
      endSec: (s.offsets?.to ?? 0) / 1000,
      text: (s.text ?? "").replace(/\[[^\]]*\]|\([^)]*\)|\*[^*]*\*/g, " ").replace(/\s+/g, " ").trim(),
    }))
    .filter((s) => s.text !== "" && s.endSec >= s.startSec);
}
