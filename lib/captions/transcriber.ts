import { accessSync, constants, existsSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { TranscriptionError } from "./errors";
import { createOpenAiTranscriber } from "./openai";
import { createPocketsphinxTranscriber, type PocketsphinxInstall } from "./pocketsphinx";
import { createWhisperCppTranscriber } from "./whisper-cpp";

// Speech-to-text engines behind one interface; which one runs is decided by
// configuration alone (DESIGN.md: no process.env here; lib/env.ts passes it in).

export interface Word {
  startSec: number;
  endSec: number;
  text: string;
}

export interface Segment {
  startSec: number;
  endSec: number;
  text: string;
  words?: Word[];
}

export interface TranscribeOptions {
  signal?: AbortSignal;
  /** 0..1, at most a few times a second. */
  onProgress?: (fraction: number) => void;
}

export interface Transcriber {
  readonly name: "openai" | "whisper-cpp" | "pocketsphinx" | (string & {});
  /** Segments on the timeline of `audioPath` (any file ffmpeg reads with an audio track). */
  transcribe(audioPath: string, options?: TranscribeOptions): Promise<Segment[]>;
}

export const NO_TRANSCRIBER_REASON = "no speech-to-text configured";
export const CAPTIONS_OFF_REASON = "captions are turned off (CAPTIONS=off)";

export interface TranscriberConfig {
  captions?: "auto" | "off";
  /** An OpenAI-compatible endpoint: a base URL (…/v1) or the full …/audio/transcriptions URL. */
  url?: string;
  apiKey?: string;
  model?: string;
  /** ISO-639-1 ("en", "de"); unset: the endpoint detects it, whisper-cli assumes "en". */
  language?: string;
  whisperCppBin?: string;
  whisperModel?: string;
  /** Where to look for pocketsphinx; false turns auto-detection off. */
  pocketsphinx?: Partial<PocketsphinxInstall> | false;
  ffmpegPath?: string;
}

/**
 * The transcriber the configuration asks for, or null when there is none
 * (the captions stage is then `skipped` with `transcriberSkipReason`).
 * Order: an explicit endpoint, then an explicit whisper.cpp, then a
 * pocketsphinx found on this machine. Throws on a half-done configuration
 * (a model path that does not exist) so it fails at start, not mid-video.
 */
export function selectTranscriber(config: TranscriberConfig): Transcriber | null {
  if (config.captions === "off") return null;
  const common = config.ffmpegPath ? { ffmpegPath: config.ffmpegPath } : {};
  if (config.url) {
    return createOpenAiTranscriber({ url: config.url, apiKey: config.apiKey, model: config.model, language: config.language, ...common });
  }
  if (config.whisperCppBin || config.whisperModel) {
    if (!config.whisperModel) throw configError("WHISPER_CPP_BIN is set but WHISPER_MODEL (the ggml model file) is not");
    if (!existsSync(config.whisperModel)) throw configError(`WHISPER_MODEL: no such file ${config.whisperModel}`);
    return createWhisperCppTranscriber({ bin: config.whisperCppBin ?? "whisper-cli", model: config.whisperModel, language: config.language, ...common });
  }
  if (config.pocketsphinx !== false) {
    const install = detectPocketsphinx(config.pocketsphinx ?? {});
    if (install) return createPocketsphinxTranscriber({ ...install, ...common });
  }
  return null;
}

export function transcriberSkipReason(config: TranscriberConfig): string {
  return config.captions === "off" ? CAPTIONS_OFF_REASON : NO_TRANSCRIBER_REASON;
}

const DEBIAN_MODEL_DIR = "/usr/share/pocketsphinx/model/en-us";
const BIN_DIRS = ["/usr/bin", "/usr/local/bin"];
// pocketsphinx 5 ships `pocketsphinx`; 0.8/5prealpha (Debian bookworm) `pocketsphinx_continuous`.
const BIN_NAMES = ["pocketsphinx_continuous", "pocketsphinx"];

/** pocketsphinx and its en-us model where Debian (or a local build) puts them, else null. */
export function detectPocketsphinx(hint: Partial<PocketsphinxInstall> = {}): PocketsphinxInstall | null {
  const bin = hint.bin ?? BIN_DIRS.flatMap((dir) => BIN_NAMES.map((name) => path.join(dir, name))).find(isExecutable);
  if (!bin || !isExecutable(bin)) return null;
  const modelDir = hint.modelDir ?? DEBIAN_MODEL_DIR;
  const install: PocketsphinxInstall = {
    bin,
    modelDir,
    hmm: hint.hmm ?? path.join(modelDir, "en-us"),
    lm: hint.lm ?? path.join(modelDir, "en-us.lm.bin"),
    dict: hint.dict ?? path.join(modelDir, "cmudict-en-us.dict"),
  };
  return existsSync(path.join(install.hmm, "mdef")) && existsSync(install.lm) && existsSync(install.dict) ? install : null;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function configError(message: string): TranscriptionError {
  return new TranscriptionError({ class: "TranscriberConfigError", message, retryable: false, transcriber: "config" });
}

const optionalString = z.string().trim().min(1).optional().catch(undefined);

/**
 * The captions variables, for lib/env.ts to spread into its schema
 * (`...captionsEnvShape`), then `transcriberConfigFromEnv(env())`.
 */
export const captionsEnvShape = {
  CAPTIONS: z.enum(["auto", "off"]).default("auto"),
  TRANSCRIBER_URL: z.string().url().optional(),
  TRANSCRIBER_API_KEY: optionalString,
  TRANSCRIBER_MODEL: optionalString,
  TRANSCRIBER_LANGUAGE: z
    .string()
    .regex(/^[a-z]{2,3}$|^auto$/, "TRANSCRIBER_LANGUAGE is a language code such as en, de, fr (or auto)")
    .optional(),
  WHISPER_CPP_BIN: optionalString,
  WHISPER_MODEL: optionalString,
};

const captionsEnvSchema = z.object(captionsEnvShape);
export type CaptionsEnv = z.infer<typeof captionsEnvSchema>;

export function transcriberConfigFromEnv(env: CaptionsEnv & { FFMPEG_PATH?: string }): TranscriberConfig {
  return {
    captions: env.CAPTIONS,
    url: env.TRANSCRIBER_URL,
    apiKey: env.TRANSCRIBER_API_KEY,
    model: env.TRANSCRIBER_MODEL,
    language: env.TRANSCRIBER_LANGUAGE,
    whisperCppBin: env.WHISPER_CPP_BIN,
    whisperModel: env.WHISPER_MODEL,
    ffmpegPath: env.FFMPEG_PATH,
  };
}
