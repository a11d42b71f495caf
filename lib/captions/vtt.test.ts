import { describe, expect, it } from "vitest";
import { buildCues, cueProblems, DEFAULT_CUE_LIMITS, wrapLines } from "./cues";
import type { Segment } from "./transcriber";
import { buildVtt, formatVtt, formatVttTimestamp, parseVtt, VttParseError, type VttCue } from "./vtt";

/** The contract of a captions file, checked on the parsed file (not on our own objects). */
function expectReadableCaptions(vtt: string): VttCue[] {
  const { cues } = parseVtt(vtt);
  expect(cueProblems(cues)).toEqual([]);
  return cues;
}

const words = (text: string) => text.split(/\s+/).filter(Boolean);

// A one-minute monologue as one segment-level answer (no word timings), as a hosted API gives.
const LOREM = Array.from({ length: 12 }, (_, i) =>
  `Sentence number ${i + 1} talks about frames, retries and the enhancement service that must never be called twice for one frame.`,
).join(" ");

describe("buildCues / buildVtt", () => {
  it("keeps long segment-level text within 2 lines of 42 characters and 7 seconds per cue, in order, losing no word", () => {
    const { vtt, cues } = buildVtt([{ startSec: 0.5, endSec: 60.5, text: LOREM }]);
    const parsed = expectReadableCaptions(vtt);
    expect(parsed.length).toBe(cues.length);
    expect(parsed.length).toBeGreaterThan(10);
    expect(words(parsed.map((c) => c.text).join(" "))).toEqual(words(LOREM));
    expect(parsed[0]!.startSec).toBe(0.5);
    expect(parsed.at(-1)!.endSec).toBeLessThanOrEqual(60.5);
  });

  it("uses word timings: a pause starts a new cue, cue times are the words' times", () => {
    const segment: Segment = {
      startSec: 1,
      endSec: 6,
      text: "hello there general kenobi",
      words: [
        { text: "hello", startSec: 1.0, endSec: 1.4 },
        { text: "there", startSec: 1.5, endSec: 1.9 },
        { text: "general", startSec: 4.0, endSec: 4.5 },
        { text: "kenobi", startSec: 4.6, endSec: 5.2 },
      ],
    };
    const cues = buildCues([segment]);
    expect(cues).toEqual([
      { startSec: 1, endSec: 2, text: "hello there" }, // held for the 1 s minimum, the next cue starts later
      { startSec: 4, endSec: 5.2, text: "general kenobi" },
    ]);
  });

  it("orders unsorted, overlapping segments and never lets cues overlap", () => {
    const cues = buildCues([
      { startSec: 5, endSec: 8, text: "third part of it" },
      { startSec: 0, endSec: 3, text: "first part" },
      { startSec: 2.5, endSec: 5.5, text: "second part overlaps both" },
    ]);
    expectReadableCaptions(formatVtt(cues));
    expect(cues.map((c) => c.text).join(" ")).toBe("first part second part overlaps both third part of it");
  });

  it("cuts a word longer than a line, and clamps a single very long word to 7 s", () => {
    const url = `https://example.com/${"x".repeat(90)}`;
    const { vtt } = buildVtt([{ startSec: 0, endSec: 20, text: url, words: [{ text: url, startSec: 0, endSec: 20 }] }]);
    const cues = expectReadableCaptions(vtt);
    expect(cues.map((c) => c.text.replace(/\n/g, "")).join("")).toBe(url);
  });

  it("ends cues at the audio's duration and drops what starts after it", () => {
    const cues = buildCues(
      [
        { startSec: 0, endSec: 2, text: "inside" },
        { startSec: 2.5, endSec: 4, text: "overshoots the end" },
        { startSec: 6, endSec: 7, text: "after the end" },
      ],
      { durationSec: 3 },
    );
    expect(cues.map((c) => c.text)).toEqual(["inside", "overshoots the end"]);
    expect(cues.at(-1)!.endSec).toBe(3);
  });

  it("gives words stamped at the same instant ordered, visible cues", () => {
    const at = 2;
    const cues = buildCues([
      { startSec: at, endSec: at, text: "a", words: [{ text: "a", startSec: at, endSec: at }] },
      { startSec: at + 3, endSec: at + 3, text: "b" },
    ]);
    expectReadableCaptions(formatVtt(cues));
  });

  it("reports every broken rule of a cue list", () => {
    const problems = cueProblems([
      { startSec: 0, endSec: 8, text: "x".repeat(43) },
      { startSec: 7, endSec: 7, text: "a\nb\nc" },
    ]);
    expect(problems).toHaveLength(5);
  });

  it("wraps in balanced lines", () => {
    expect(wrapLines("short", DEFAULT_CUE_LIMITS)).toEqual(["short"]);
    expect(wrapLines("the quick brown fox jumps over the lazy dog and runs far away", DEFAULT_CUE_LIMITS)).toEqual([
      "the quick brown fox jumps over",
      "the lazy dog and runs far away",
    ]);
    expect(wrapLines("x".repeat(43), DEFAULT_CUE_LIMITS)).toBeNull();
  });
});

describe("formatVtt / parseVtt", () => {
  it("formats timestamps with hours and milliseconds", () => {
    expect(formatVttTimestamp(0)).toBe("00:00:00.000");
    expect(formatVttTimestamp(3661.5)).toBe("01:01:01.500");
    expect(formatVttTimestamp(59.9996)).toBe("00:01:00.000");
  });

  it("escapes cue text and reads it back", () => {
    const vtt = formatVtt([{ startSec: 0, endSec: 1.25, text: "a < b & c --> d\nsecond line" }]);
    expect(vtt).toContain("a &lt; b &amp; c --&gt; d");
    expect(parseVtt(vtt).cues).toEqual([{ id: "1", startSec: 0, endSec: 1.25, text: "a < b & c --> d\nsecond line" }]);
  });

  it("rejects what a player would reject", () => {
    expect(() => parseVtt("1\n00:00:00.000 --> 00:00:01.000\nhi\n")).toThrow(VttParseError);
    expect(() => parseVtt("WEBVTT\n\n00:00:00.000 --> 00:00:61.000\nhi\n")).toThrow(VttParseError);
    expect(() => parseVtt("WEBVTT\n\n00:00:02.000 --> 00:00:01.000\nhi\n")).toThrow(/before it starts/);
    expect(() => parseVtt("WEBVTT\n\nid\nnot a timing\n")).toThrow(VttParseError);
    expect(() => formatVtt([{ startSec: 0, endSec: 1, text: "a\n\nb" }])).toThrow(/empty line/);
  });

  it("reads headers with text, NOTE blocks, settings and CRLF", () => {
    const { cues } = parseVtt("\uFEFFWEBVTT - captions\r\n\r\nNOTE made by hand\r\n\r\n00:01.000 --> 00:02.500 line:0\r\nhello\r\n");
    expect(cues).toEqual([{ startSec: 1, endSec: 2.5, text: "hello", settings: "line:0" }]);
  });
});
