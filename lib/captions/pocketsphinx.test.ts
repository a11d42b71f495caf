import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extractAudio } from "@/lib/media/ffmpeg";
import { makeSpeechClip, SPEECH_FIRST, SPEECH_GAP_SEC, SPEECH_SECOND } from "@/test/support/clips";
import { cueProblems } from "./cues";
import { JsonOutputParser, TextOutputParser } from "./pocketsphinx";
import { detectPocketsphinx, selectTranscriber } from "./transcriber";
import { transcribeToVtt } from "./transcribe-audio";
import { parseVtt } from "./vtt";

// Real speech, real recogniser: two LibriVox sentences that Debian's
// pocketsphinx-testdata ships, muxed under a generated picture as an upload
// would be, then taken through the pipeline's own audio extraction.
// CI installs: pocketsphinx pocketsphinx-en-us pocketsphinx-testdata (apt).

const FIRST = SPEECH_FIRST;
const SECOND = SPEECH_SECOND;
const GAP_SEC = SPEECH_GAP_SEC;
const SECOND_STARTS = 7.1 + GAP_SEC;

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), "framewise-sphinx-test-"));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe("pocketsphinx transcriber", () => {
  it("is installed for this test (apt-get install pocketsphinx pocketsphinx-en-us pocketsphinx-testdata)", () => {
    expect(existsSync(FIRST) && existsSync(SECOND), "pocketsphinx-testdata is not installed").toBe(true);
    expect(detectPocketsphinx(), "pocketsphinx or pocketsphinx-en-us is not installed").not.toBeNull();
  });

  it("captions a video with speech: the WebVTT parses, has the spoken words, at their times", { timeout: 180_000 }, async () => {
    const video = await makeSpeechClip(path.join(work, "speech.mp4"));
    const audioPath = path.join(work, "audio.m4a");
    expect(await extractAudio({ source: video, output: audioPath })).toBe(true);

    const transcriber = selectTranscriber({});
    expect(transcriber?.name).toBe("pocketsphinx");
    const outPath = path.join(work, "captions.vtt");
    const progress: number[] = [];
    const result = await transcribeToVtt({ audioPath, outPath, transcriber: transcriber!, onProgress: (f) => progress.push(f) });

    const { cues } = parseVtt(await readFile(outPath, "utf8"));
    expect(cueProblems(cues)).toEqual([]);
    expect(cues.length).toBe(result.cues.length);
    const text = cues.map((c) => c.text).join(" ").replace(/\n/g, " ");
    // Words pocketsphinx gets right on these recordings (it is not perfect:
    // "dashwood" and "prudently" come out wrong, see docs/captions.md).
    for (const word of ["john", "leisure", "consider", "power", "rather", "cold", "selfish"]) expect(text).toContain(word);
    const cueOf = (word: string) => cues.find((c) => c.text.includes(word))!;
    expect(cueOf("consider").endSec).toBeLessThanOrEqual(SECOND_STARTS);
    expect(cueOf("selfish").startSec).toBeGreaterThanOrEqual(SECOND_STARTS);
    expect(cues.at(-1)!.endSec).toBeLessThanOrEqual(result.durationSec + 0.001);
    expect(result.durationSec).toBeGreaterThan(14);
    expect(progress.at(-1)).toBe(1);
  });
});

describe("pocketsphinx output parsers", () => {
  it("reads pocketsphinx_continuous -time yes output, dropping fillers and pronunciation variants", () => {
    const parser = new TextOutputParser();
    const lines = [
      "and mr john",
      "<s> 0.000 0.140 0.999400",
      "and(2) 0.150 0.360 0.260057",
      "<sil> 0.370 0.400 0.5",
      "[NOISE] 0.400 0.420 0.5",
      "mr 0.420 0.620 0.988762",
      "john 0.630 1.000 0.929128",
      "</s> 1.010 1.200 1.000000",
      "he",
      "<s> 3.000 3.100 0.999",
      "he 3.110 3.400 0.998",
      "</s> 3.410 3.500 1.0",
    ];
    const reached = lines.map((l) => parser.push(l));
    expect(reached.at(-1)).toBe(3.5);
    expect(parser.segments()).toEqual([
      { startSec: 0.15, endSec: 1, text: "and mr john", words: [{ text: "and", startSec: 0.15, endSec: 0.36 }, { text: "mr", startSec: 0.42, endSec: 0.62 }, { text: "john", startSec: 0.63, endSec: 1 }] },
      { startSec: 3.11, endSec: 3.4, text: "he", words: [{ text: "he", startSec: 3.11, endSec: 3.4 }] },
    ]);
  });

  it("reads pocketsphinx 5 JSON lines", () => {
    const parser = new JsonOutputParser();
    parser.push('{"b":0.600,"d":1.200,"p":1.000,"t":"go forward","w":[{"b":0.600,"d":0.100,"p":1.0,"t":"<sil>"},{"b":0.700,"d":0.300,"p":0.9,"t":"go"},{"b":1.000,"d":0.800,"p":0.8,"t":"forward(2)"}]}');
    parser.push('{"b":2.000,"d":1.000,"p":1.000,"t":"","w":[]}');
    expect(parser.segments()).toEqual([
      { startSec: 0.7, endSec: 1.8, text: "go forward", words: [{ text: "go", startSec: 0.7, endSec: 1 }, { text: "forward", startSec: 1, endSec: 1.8 }] },
    ]);
  });
});
