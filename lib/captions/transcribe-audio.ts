import { MediaError } from "@/lib/media/errors";
import { readProbeJson } from "@/lib/media/probe";
import { writeFileAtomic } from "./atomic-write";
import type { CueLimits } from "./cues";
import { TranscriptionError } from "./errors";
import type { Transcriber, TranscribeOptions } from "./transcriber";
import { cueProblems } from "./cues";
import { buildVtt, parseVtt, type VttCue } from "./vtt";

// The captions stage's work, without the database: audio -> transcriber ->
// cues -> captions.vtt, written so the API never serves half a file. Every
// failure comes out as a TranscriptionError, whose toMetadata() the stage stores.

export interface TranscribeToVttInput extends TranscribeOptions {
  audioPath: string;
  outPath: string;
  transcriber: Transcriber;
  limits?: Partial<CueLimits>;
}

export interface TranscribeToVttResult {
  cues: VttCue[];
  durationSec: number;
  transcriber: string;
}

export async function transcribeToVtt(input: TranscribeToVttInput): Promise<TranscribeToVttResult> {
  const { transcriber, signal } = input;
  const durationSec = await audioDuration(input.audioPath, transcriber.name, signal);
  const segments = await transcriber.transcribe(input.audioPath, { signal, onProgress: input.onProgress });
  signal?.throwIfAborted();
  // Cues end with the audio: a transcriber's last segment may overshoot it.
  const { vtt, cues } = buildVtt(segments, { ...input.limits, ...(durationSec > 0 ? { durationSec } : {}) });
  // What players will read, checked as they will read it before it replaces
  // anything: a file that does not parse, or breaks the cue rules, fails the
  // stage with the reason instead of being served.
  const problems = cueProblems(parseVtt(vtt).cues, input.limits);
  if (problems.length > 0) {
    throw new TranscriptionError({ class: "TranscriberOutputError", message: `the captions built are not valid WebVTT: ${problems.slice(0, 3).join("; ")}`, retryable: false, transcriber: transcriber.name });
  }
  await writeFileAtomic(input.outPath, vtt);
  return { cues, durationSec, transcriber: transcriber.name };
}

async function audioDuration(file: string, transcriber: string, signal?: AbortSignal): Promise<number> {
  try {
    const probe = await readProbeJson(file, { signal });
    const audio = probe.streams.find((s) => s.codec_type === "audio");
    if (!audio) throw new TranscriptionError({ class: "TranscriberInputError", message: "the file has no audio track", retryable: false, transcriber });
    return audio.duration ?? probe.format.duration ?? 0;
  } catch (error) {
    if (!(error instanceof MediaError)) throw error;
    signal?.throwIfAborted();
    throw new TranscriptionError(
      {
        class: error.isInputError ? "TranscriberInputError" : "TranscriberProcessError",
        message: error.message,
        retryable: !error.isInputError,
        transcriber,
        ...(error.detail ? { stderrExcerpt: error.detail } : {}),
      },
      { cause: error },
    );
  }
}
