import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ffmpegPath as defaultFfmpegPath } from "@/lib/media/binaries";
import { TranscriptionError } from "./errors";
import { runProcess } from "./run-process";
import { convertToSpeechWav } from "./speech-wav";
import type { Segment, Transcriber, TranscribeOptions, Word } from "./transcriber";

// CMU pocketsphinx with its US English model, fully offline. Accuracy is
// modest (a 2010s HMM recogniser: read speech in a quiet room comes out
// mostly right, anything else much less so); it is here so captions work
// with no service and no model download at all. Two CLIs exist:
// - 0.8 / 5prealpha (Debian bookworm, Ubuntu 22.04): `pocketsphinx_continuous
//   -infile f.wav -time yes` prints each utterance's hypothesis, then one
//   "word start end confidence" line per word, between <s> and </s>;
// - 5.x: `pocketsphinx single f.wav` prints one JSON object per utterance,
//   {"b": begin, "d": duration, "t": text, "w": [{"b","d","p","t"}]}.
// Both take the model as -hmm/-lm/-dict and 16 kHz mono 16-bit WAV.

export interface PocketsphinxInstall {
  bin: string;
  modelDir: string;
  hmm: string;
  lm: string;
  dict: string;
}

export interface PocketsphinxOptions extends PocketsphinxInstall {
  ffmpegPath?: string;
  tmpDir?: string;
}

export function createPocketsphinxTranscriber(options: PocketsphinxOptions): Transcriber {
  const json = path.basename(options.bin) === "pocketsphinx";
  return {
    name: "pocketsphinx",
    async transcribe(audioPath: string, { signal, onProgress }: TranscribeOptions = {}): Promise<Segment[]> {
      const dir = await mkdtemp(path.join(options.tmpDir ?? os.tmpdir(), "framewise-sphinx-"));
      try {
        const wav = path.join(dir, "speech.wav");
        const { durationSec } = await convertToSpeechWav({
          input: audioPath,
          output: wav,
          ffmpegPath: options.ffmpegPath ?? defaultFfmpegPath(),
          transcriber: "pocketsphinx",
          signal,
        });
        const model = ["-hmm", options.hmm, "-lm", options.lm, "-dict", options.dict];
        const args = json ? [...model, "single", wav] : [...model, "-infile", wav, "-time", "yes", "-logfn", "/dev/null"];
        const parser = json ? new JsonOutputParser() : new TextOutputParser();
        let lastReport = 0;
        await runProcess(options.bin, args, {
          signal,
          transcriber: "pocketsphinx",
          onStdoutLine: (line) => {
            const reachedSec = parser.push(line);
            // Words arrive as recognition moves through the file: that is the progress.
            if (reachedSec !== undefined && onProgress && durationSec > 0 && Date.now() - lastReport > 250) {
              lastReport = Date.now();
              onProgress(Math.min(1, reachedSec / durationSec));
            }
          },
        });
        onProgress?.(1);
        return parser.segments();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

/** <s>, </s>, <sil>, [NOISE], ++BREATH++ ...: markers, not words. */
function isFiller(token: string): boolean {
  return /^(<.*>|\[.*\]|\+\+.*\+\+)$/.test(token);
}

/** "read(2)" is the second pronunciation of "read". */
function cleanWord(token: string): string {
  return token.replace(/\(\d+\)$/, "");
}

function toSegment(words: Word[]): Segment | undefined {
  if (words.length === 0) return undefined;
  return { startSec: words[0]!.startSec, endSec: words[words.length - 1]!.endSec, text: words.map((w) => w.text).join(" "), words };
}

const round = (t: number) => Math.round(t * 1000) / 1000;

/** pocketsphinx_continuous -time yes. push() returns how far into the audio it has got. */
export class TextOutputParser {
  private done: Segment[] = [];
  private current: Word[] = [];

  push(line: string): number | undefined {
    const m = /^(\S+) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?) (-?\d+(?:\.\d+)?(?:e-?\d+)?)$/.exec(line.trim());
    // The hypothesis line before the timings is skipped: the timed words say the same.
    if (!m) return undefined;
    const [, token = "", start, end] = m;
    const endSec = Number(end);
    if (token === "<s>") this.flush();
    else if (token === "</s>") this.flush();
    else if (!isFiller(token)) this.current.push({ text: cleanWord(token), startSec: round(Number(start)), endSec: round(endSec) });
    return endSec;
  }

  private flush() {
    const segment = toSegment(this.current);
    if (segment) this.done.push(segment);
    this.current = [];
  }

  segments(): Segment[] {
    this.flush();
    return this.done;
  }
}

/** pocketsphinx 5 (`single` mode): one JSON object per utterance. */
export class JsonOutputParser {
  private done: Segment[] = [];

  push(line: string): number | undefined {
    if (!line.startsWith("{")) return undefined;
    let utterance: { b?: number; d?: number; w?: { b?: number; d?: number; t?: string }[] };
    try {
      utterance = JSON.parse(line);
    } catch {
      throw new TranscriptionError({ class: "TranscriberOutputError", message: "pocketsphinx printed a line that is not JSON", retryable: false, transcriber: "pocketsphinx", stderrExcerpt: line });
    }
    const words = (utterance.w ?? [])
      .filter((w) => typeof w.t === "string" && typeof w.b === "number" && typeof w.d === "number" && !isFiller(w.t))
      .map((w) => ({ text: cleanWord(w.t!), startSec: round(w.b!), endSec: round(w.b! + w.d!) }));
    const segment = toSegment(words);
    if (segment) this.done.push(segment);
    return (utterance.b ?? 0) + (utterance.d ?? 0);
  }

  segments(): Segment[] {
    return this.done;
  }
}
