import { open, stat } from "node:fs/promises";
import { untrustedInputArgs } from "@/lib/media/untrusted-input";
import { TranscriptionError } from "./errors";
import { runProcess } from "./run-process";

// Every engine hears speech as 16 kHz mono 16-bit PCM (whisper resamples to
// it, pocketsphinx's en-us model is trained on it), so the audio is converted
// once to that. A WAV of it has an exact size per second, which is what lets
// the openai transcriber cut chunks under a byte limit without guessing, and
// slice them from one file with sample-exact offsets.

export const SPEECH_SAMPLE_RATE = 16_000;
export const SPEECH_BYTES_PER_SEC = SPEECH_SAMPLE_RATE * 2;
export const WAV_HEADER_BYTES = 44;

export interface Silence {
  startSec: number;
  endSec: number;
}

export interface ConvertOptions {
  input: string;
  output: string;
  ffmpegPath: string;
  transcriber: string;
  /** Also find silences (ffmpeg silencedetect) in the same pass. */
  detectSilence?: { noiseDb?: number; minSec?: number };
  signal?: AbortSignal;
  /** 0..1 while converting; needs `durationHintSec` to be meaningful. */
  onProgress?: (fraction: number) => void;
  durationHintSec?: number;
}

export async function convertToSpeechWav(options: ConvertOptions): Promise<{ durationSec: number; silences: Silence[] }> {
  const { detectSilence } = options;
  const filters = detectSilence ? [`silencedetect=noise=${detectSilence.noiseDb ?? -35}dB:duration=${detectSilence.minSec ?? 0.4}`] : [];
  const args = [
    "-nostdin",
    "-hide_banner",
    "-nostats",
    "-loglevel",
    detectSilence ? "info" : "error",
    // The audio comes from an upload: file protocol only, known containers only.
    ...untrustedInputArgs(options.input),
    "-map",
    "0:a:0",
    "-vn",
    "-sn",
    "-dn",
    ...(filters.length ? ["-af", filters.join(",")] : []),
    "-ac",
    "1",
    "-ar",
    String(SPEECH_SAMPLE_RATE),
    "-c:a",
    "pcm_s16le",
    // Bit-exact, no metadata: a plain 44-byte header, which pocketsphinx 0.8 expects.
    "-map_metadata",
    "-1",
    "-fflags",
    "+bitexact",
    "-flags:a",
    "+bitexact",
    "-progress",
    "pipe:1",
    "-f",
    "wav",
    "-y",
    options.output,
  ];
  const silences: Silence[] = [];
  let openStart: number | undefined;
  try {
    await runProcess(options.ffmpegPath, args, {
      signal: options.signal,
      transcriber: options.transcriber,
      onStdoutLine: (line) => {
        const m = /^out_time_us=(\d+)/.exec(line);
        if (m && options.onProgress && options.durationHintSec) {
          options.onProgress(Math.min(1, Number(m[1]) / 1e6 / options.durationHintSec));
        }
      },
      onStderrLine: (line) => {
        const start = /silence_start: (-?[\d.]+)/.exec(line);
        if (start) openStart = Math.max(0, Number(start[1]));
        const end = /silence_end: (-?[\d.]+)/.exec(line);
        if (end && openStart !== undefined) {
          silences.push({ startSec: openStart, endSec: Number(end[1]) });
          openStart = undefined;
        }
      },
    });
  } catch (error) {
    if (error instanceof TranscriptionError && /matches no streams|does not contain any stream/i.test(error.metadata.stderrExcerpt ?? "")) {
      throw new TranscriptionError({ class: "TranscriberInputError", message: "the file has no audio track", retryable: false, transcriber: options.transcriber });
    }
    throw error;
  }
  const layout = await readWavLayout(options.output);
  const durationSec = layout.dataBytes / SPEECH_BYTES_PER_SEC;
  // Silence running to the end of the file has no silence_end line.
  if (openStart !== undefined && openStart < durationSec) silences.push({ startSec: openStart, endSec: durationSec });
  return { durationSec, silences };
}

export interface WavLayout {
  dataOffset: number;
  dataBytes: number;
}

/** Finds the PCM data of a 16 kHz mono s16 WAV (walks the RIFF chunks rather than assuming 44 bytes). */
export async function readWavLayout(path: string): Promise<WavLayout> {
  const handle = await open(path, "r");
  try {
    const { size } = await stat(path);
    const head = Buffer.alloc(Math.min(size, 4096));
    await handle.read(head, 0, head.length, 0);
    if (head.toString("ascii", 0, 4) !== "RIFF" || head.toString("ascii", 8, 12) !== "WAVE") throw new Error(`${path} is not a WAV file`);
    let offset = 12;
    let format: { channels: number; rate: number; bits: number } | undefined;
    while (offset + 8 <= head.length) {
      const id = head.toString("ascii", offset, offset + 4);
      const length = head.readUInt32LE(offset + 4);
      if (id === "fmt ") {
        format = { channels: head.readUInt16LE(offset + 10), rate: head.readUInt32LE(offset + 12), bits: head.readUInt16LE(offset + 22) };
      } else if (id === "data") {
        if (!format || format.channels !== 1 || format.rate !== SPEECH_SAMPLE_RATE || format.bits !== 16) {
          throw new Error(`${path}: expected 16 kHz mono 16-bit PCM, got ${JSON.stringify(format)}`);
        }
        const dataOffset = offset + 8;
        // ffmpeg leaves the size 0xFFFFFFFF-ish when it could not seek back; trust the file size then.
        const dataBytes = Math.min(length, size - dataOffset);
        return { dataOffset, dataBytes: dataBytes - (dataBytes % 2) };
      }
      offset += 8 + length + (length % 2);
    }
    throw new Error(`${path}: no data chunk`);
  } finally {
    await handle.close();
  }
}

/** A canonical 44-byte WAV header for `dataBytes` of 16 kHz mono s16 PCM. */
export function wavHeader(dataBytes: number): Buffer {
  const h = Buffer.alloc(WAV_HEADER_BYTES);
  h.write("RIFF", 0, "ascii");
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write("WAVE", 8, "ascii");
  h.write("fmt ", 12, "ascii");
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(1, 22); // mono
  h.writeUInt32LE(SPEECH_SAMPLE_RATE, 24);
  h.writeUInt32LE(SPEECH_BYTES_PER_SEC, 28);
  h.writeUInt16LE(2, 32); // block align
  h.writeUInt16LE(16, 34); // bits per sample
  h.write("data", 36, "ascii");
  h.writeUInt32LE(dataBytes, 40);
  return h;
}

/** [startSample, endSample) of the speech WAV as a standalone WAV file in memory. */
export async function readWavSlice(path: string, layout: WavLayout, startSample: number, endSample: number): Promise<Buffer> {
  const from = Math.max(0, startSample) * 2;
  const to = Math.min(layout.dataBytes, endSample * 2);
  const pcm = Buffer.alloc(Math.max(0, to - from));
  const handle = await open(path, "r");
  try {
    await handle.read(pcm, 0, pcm.length, layout.dataOffset + from);
  } finally {
    await handle.close();
  }
  return Buffer.concat([wavHeader(pcm.length), pcm]);
}
