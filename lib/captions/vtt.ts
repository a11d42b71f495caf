import { buildCues, type CueLimits } from "./cues";
import type { Segment } from "./transcriber";

// WebVTT writing and a small strict parser (https://www.w3.org/TR/webvtt1/).
// Times are kept in whole milliseconds from the cue builder on, so what we
// check (monotonic, <= 7 s) is exactly what is written: no float drifts
// between the check and the file.

export interface VttCue {
  id?: string;
  startSec: number;
  endSec: number;
  /** Display text; lines separated by "\n". */
  text: string;
  settings?: string;
}

export class VttParseError extends Error {
  override name = "VttParseError";
}

/** hh:mm:ss.ttt (hours always present: players accept both, parsers like it). */
export function formatVttTimestamp(sec: number): string {
  if (!Number.isFinite(sec) || sec < 0) throw new RangeError(`invalid cue time ${sec}`);
  const totalMs = Math.round(sec * 1000);
  const ms = totalMs % 1000;
  const totalSec = (totalMs - ms) / 1000;
  const s = totalSec % 60;
  const m = Math.floor(totalSec / 60) % 60;
  const h = Math.floor(totalSec / 3600);
  return `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}.${pad(ms, 3)}`;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

/** Cue text is HTML-like: &, < and > must be escaped (which also rules out a "-->" in the text). */
export function escapeCueText(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function unescapeCueText(text: string): string {
  return text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&nbsp;/g, "\u00a0")
    .replace(/&lrm;/g, "\u200e")
    .replace(/&rlm;/g, "\u200f")
    .replace(/&amp;/g, "&");
}

export interface FormatVttOptions {
  /** Escape &, <, > in cue text (captions). Off for metadata tracks whose text is a URL. */
  escape?: boolean;
  /** Number the cues 1..n (ids are optional in WebVTT). */
  numbered?: boolean;
}

export function formatVtt(cues: readonly VttCue[], { escape = true, numbered = true }: FormatVttOptions = {}): string {
  const blocks = cues.map((cue, i) => {
    const lines = cue.text.split("\n").map((line) => {
      if (line.trim() === "") throw new RangeError(`cue ${i + 1} has an empty line, which would end the cue`);
      if (!escape && line.includes("-->")) throw new RangeError(`cue ${i + 1} text contains "-->"`);
      return escape ? escapeCueText(line) : line;
    });
    const id = cue.id ?? (numbered ? String(i + 1) : undefined);
    const timing = `${formatVttTimestamp(cue.startSec)} --> ${formatVttTimestamp(cue.endSec)}${cue.settings ? ` ${cue.settings}` : ""}`;
    return [...(id ? [id] : []), timing, ...lines].join("\n");
  });
  return `WEBVTT\n\n${blocks.map((b) => `${b}\n\n`).join("")}`;
}

/** Timed words or segments -> a WebVTT captions file within the limits of `cues.ts`. */
export function buildVtt(segments: readonly Segment[], limits?: Partial<CueLimits> & { durationSec?: number }): { vtt: string; cues: VttCue[] } {
  const cues = buildCues(segments, limits);
  return { vtt: formatVtt(cues), cues };
}

const TIMESTAMP = /^(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})$/;

export function parseVttTimestamp(value: string): number {
  const m = TIMESTAMP.exec(value);
  if (!m) throw new VttParseError(`invalid timestamp "${value}"`);
  const [, h = "0", min, s, ms] = m;
  return Number(h) * 3600 + Number(min) * 60 + Number(s) + Number(ms) / 1000;
}

/**
 * Strict enough to catch what players choke on: missing header, malformed
 * timings, end before start, a cue id without timing. transcribeToVtt checks
 * every file it builds with it before writing it.
 */
export function parseVtt(source: string): { cues: VttCue[] } {
  const text = source.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
  const [header = "", ...blocks] = text.split(/\n{2,}/);
  if (!/^WEBVTT(?:[ \t].*)?$/.test(header.split("\n")[0] ?? "")) {
    throw new VttParseError('missing "WEBVTT" header');
  }
  const cues: VttCue[] = [];
  for (const block of blocks) {
    const lines = block.split("\n").filter((_, i, all) => i < all.length - 1 || all[i] !== "");
    if (lines.length === 0) continue;
    const first = lines[0] ?? "";
    if (/^(NOTE|STYLE|REGION)(\s|$)/.test(first)) continue;
    const timingAt = lines.findIndex((l) => l.includes("-->"));
    if (timingAt < 0 || timingAt > 1) throw new VttParseError(`block without a timing line: "${first.slice(0, 80)}"`);
    const timing = /^(\S+)[ \t]+-->[ \t]+(\S+)(?:[ \t]+(.*))?$/.exec(lines[timingAt] ?? "");
    if (!timing) throw new VttParseError(`malformed timing line "${lines[timingAt]}"`);
    const startSec = parseVttTimestamp(timing[1] ?? "");
    const endSec = parseVttTimestamp(timing[2] ?? "");
    if (endSec <= startSec) throw new VttParseError(`cue ends (${timing[2]}) before it starts (${timing[1]})`);
    const body = lines.slice(timingAt + 1);
    if (body.some((l) => l.includes("-->"))) throw new VttParseError(`cue text contains "-->"`);
    cues.push({
      ...(timingAt === 1 ? { id: first } : {}),
      startSec,
      endSec,
      text: unescapeCueText(body.join("\n")),
      ...(timing[3] ? { settings: timing[3] } : {}),
    });
  }
  return { cues };
}
