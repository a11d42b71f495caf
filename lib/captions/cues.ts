import type { Segment } from "./transcriber";
import type { VttCue } from "./vtt";

// Timed words -> caption cues a viewer can read: at most `maxLines` lines of
// `maxLineChars` characters (42 is the common broadcast/Netflix limit), at
// most `maxCueSec` on screen, never overlapping, always in order. All
// arithmetic is in whole milliseconds so the file says exactly what was checked.

export interface CueLimits {
  maxLineChars: number;
  maxLines: 1 | 2;
  maxCueSec: number;
  /** A short cue is held this long when the next one leaves room (reading time). */
  minCueSec: number;
  /** A pause longer than this starts a new cue. */
  maxGapSec: number;
}

export const DEFAULT_CUE_LIMITS: CueLimits = { maxLineChars: 42, maxLines: 2, maxCueSec: 7, minCueSec: 1, maxGapSec: 1.5 };

interface TimedWord {
  text: string;
  startMs: number;
  endMs: number;
  /** First word of a transcriber segment: a natural place for a new cue. */
  segmentStart: boolean;
}

const chars = (s: string) => [...s].length;

export function buildCues(segments: readonly Segment[], options: Partial<CueLimits> & { durationSec?: number } = {}): VttCue[] {
  const limits = { ...DEFAULT_CUE_LIMITS, ...options };
  if (limits.maxLineChars < 8) throw new RangeError("maxLineChars must be at least 8");
  if (limits.maxCueSec <= 0) throw new RangeError("maxCueSec must be positive");
  const maxCueMs = Math.round(limits.maxCueSec * 1000);
  const durationMs = options.durationSec === undefined ? Infinity : Math.round(options.durationSec * 1000);

  const words = splitLongWords(toTimedWords(segments), limits.maxLineChars);
  const groups: TimedWord[][] = [];
  let current: TimedWord[] = [];
  for (const word of words) {
    const first = current[0];
    const last = current[current.length - 1];
    if (first && last) {
      const spanMs = word.endMs - first.startMs;
      const breakHere =
        word.startMs - last.endMs > limits.maxGapSec * 1000 ||
        spanMs > maxCueMs ||
        wrapLines([...current, word].map((w) => w.text).join(" "), limits) === null ||
        // Prefer the transcriber's own segment boundaries and sentence ends,
        // once the cue has enough in it to be worth reading on its own.
        ((word.segmentStart || /[.?!]["')\]]?$/.test(last.text)) && (last.endMs - first.startMs >= 1000 || chars(joined(current)) >= 20));
      if (breakHere) {
        groups.push(current);
        current = [];
      }
    }
    current.push(word);
  }
  if (current.length > 0) groups.push(current);

  const cues: VttCue[] = [];
  let prevEndMs = 0;
  for (const [i, group] of groups.entries()) {
    const lines = wrapLines(joined(group), limits);
    // Unreachable: a single word is at most maxLineChars after splitLongWords.
    if (!lines) throw new Error(`cue text does not fit: "${joined(group)}"`);
    const startMs = Math.max(group[0]!.startMs, prevEndMs);
    if (startMs >= durationMs) break;
    const nextStartMs = groups[i + 1]?.[0]?.startMs ?? Infinity;
    let endMs = Math.max(group[group.length - 1]!.endMs, Math.min(startMs + limits.minCueSec * 1000, nextStartMs));
    endMs = Math.min(endMs, startMs + maxCueMs, durationMs);
    // Words stamped at the same instant (some engines do): still a visible, ordered cue.
    if (endMs <= startMs) endMs = startMs + 1;
    cues.push({ startSec: startMs / 1000, endSec: endMs / 1000, text: lines.join("\n") });
    prevEndMs = endMs;
  }
  return cues;
}

function joined(words: readonly TimedWord[]): string {
  return words.map((w) => w.text).join(" ");
}

/**
 * Words with times. Engines that give word timings (pocketsphinx, whisper
 * with word granularity) are used as they are; segment-only engines get their
 * words spread over the segment in proportion to their length, which is close
 * enough for where a cue breaks inside a segment.
 */
function toTimedWords(segments: readonly Segment[]): TimedWord[] {
  const sorted = [...segments].filter((s) => Number.isFinite(s.startSec) && Number.isFinite(s.endSec)).sort((a, b) => a.startSec - b.startSec);
  const out: TimedWord[] = [];
  for (const seg of sorted) {
    const segStart = Math.max(0, Math.round(seg.startSec * 1000));
    const segEnd = Math.max(segStart, Math.round(seg.endSec * 1000));
    const timed = (seg.words ?? [])
      .map((w) => ({ text: normaliseSpace(w.text), startMs: Math.max(0, Math.round(w.startSec * 1000)), endMs: Math.round(w.endSec * 1000) }))
      .filter((w) => w.text !== "" && Number.isFinite(w.startMs) && Number.isFinite(w.endMs))
      .map((w) => ({ ...w, endMs: Math.max(w.startMs, w.endMs) }));
    if (timed.length > 0) {
      timed.sort((a, b) => a.startMs - b.startMs);
      // A word's text may itself hold spaces ("New York" as one token): keep it together.
      timed.forEach((w, i) => out.push({ ...w, segmentStart: i === 0 }));
      continue;
    }
    const tokens = normaliseSpace(seg.text).split(" ").filter(Boolean);
    const weights = tokens.map((t) => chars(t) + 1);
    const total = weights.reduce((a, b) => a + b, 0);
    let acc = 0;
    tokens.forEach((text, i) => {
      const startMs = segStart + Math.round(((segEnd - segStart) * acc) / total);
      acc += weights[i]!;
      const endMs = segStart + Math.round(((segEnd - segStart) * acc) / total);
      out.push({ text, startMs, endMs, segmentStart: i === 0 });
    });
  }
  return out;
}

function normaliseSpace(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/** A "word" longer than a line (a URL, a run of digits) is cut into line-sized pieces. */
function splitLongWords(words: TimedWord[], maxLineChars: number): TimedWord[] {
  return words.flatMap((w) => {
    const cps = [...w.text];
    if (cps.length <= maxLineChars) return [w];
    const pieces: string[] = [];
    for (let i = 0; i < cps.length; i += maxLineChars) pieces.push(cps.slice(i, i + maxLineChars).join(""));
    const step = (w.endMs - w.startMs) / pieces.length;
    return pieces.map((text, i) => ({
      text,
      startMs: Math.round(w.startMs + i * step),
      endMs: Math.round(w.startMs + (i + 1) * step),
      segmentStart: w.segmentStart && i === 0,
    }));
  });
}

/**
 * One line if it fits, else the most balanced two-line split at a space
 * (balanced lines read faster than a full line and a stub). null: does not fit.
 */
export function wrapLines(text: string, { maxLineChars, maxLines }: Pick<CueLimits, "maxLineChars" | "maxLines">): string[] | null {
  if (chars(text) <= maxLineChars) return [text];
  if (maxLines < 2) return null;
  let best: [string, string] | null = null;
  let bestLongest = Infinity;
  for (let i = text.indexOf(" "); i >= 0; i = text.indexOf(" ", i + 1)) {
    const a = text.slice(0, i);
    const b = text.slice(i + 1);
    const longest = Math.max(chars(a), chars(b));
    if (longest <= maxLineChars && longest < bestLongest) {
      best = [a, b];
      bestLongest = longest;
    }
  }
  return best;
}

/**
 * What is wrong with a cue list, in sentences (empty: a readable captions
 * file). The same rules the builder follows, checked on what a file says.
 */
export function cueProblems(cues: readonly { startSec: number; endSec: number; text: string }[], options: Partial<CueLimits> = {}): string[] {
  const limits = { ...DEFAULT_CUE_LIMITS, ...options };
  const problems: string[] = [];
  let prevEnd = 0;
  cues.forEach((cue, i) => {
    const at = `cue ${i + 1} (${cue.startSec}s)`;
    if (cue.startSec < prevEnd) problems.push(`${at} starts before the previous cue ends (${prevEnd}s)`);
    if (!(cue.endSec > cue.startSec)) problems.push(`${at} does not end after it starts`);
    if (cue.endSec - cue.startSec > limits.maxCueSec + 1e-9) problems.push(`${at} lasts ${(cue.endSec - cue.startSec).toFixed(3)}s, over ${limits.maxCueSec}s`);
    const lines = cue.text.split("\n");
    if (lines.length > limits.maxLines) problems.push(`${at} has ${lines.length} lines`);
    for (const line of lines) {
      if (chars(line) > limits.maxLineChars) problems.push(`${at} has a line of ${chars(line)} characters: "${line}"`);
      if (line.trim() === "") problems.push(`${at} has an empty line`);
    }
    prevEnd = Math.max(prevEnd, cue.endSec);
  });
  return problems;
}
