import { describe, expect, it } from "vitest";
import { TranscriptionError } from "@/lib/captions/errors";
import { MediaError } from "@/lib/media/errors";
import { decide, retryDelayMs, stageFailure } from "./outcome";

describe("the outcome of a piece of work", () => {
  const now = 1_000_000;
  const half = () => 0.5;
  it("ok, retry at a backoff, fail when permanent or out of attempts, snooze when waiting", () => {
    expect(decide(null, { attempt: 1, attemptLimit: 3 }, now)).toEqual({ kind: "ok" });
    expect(decide({ retryable: true }, { attempt: 1, attemptLimit: 3 }, now, half)).toEqual({ kind: "retry", at: new Date(now + 750) });
    expect(decide({ retryable: true }, { attempt: 2, attemptLimit: 3, baseMs: 5000 }, now, half)).toEqual({ kind: "retry", at: new Date(now + 7500) });
    expect(decide({ retryable: true, retryAfterMs: 30_000 }, { attempt: 1, attemptLimit: 3 }, now, half)).toEqual({ kind: "retry", at: new Date(now + 30_000) });
    expect(decide({ retryable: true }, { attempt: 3, attemptLimit: 3 }, now)).toEqual({ kind: "fail" });
    expect(decide({ retryable: false }, { attempt: 1, attemptLimit: 3 }, now)).toEqual({ kind: "fail" });
    expect(decide({ retryable: true, waiting: true, retryAfterMs: 2000 }, { attempt: 3, attemptLimit: 3 }, now)).toEqual({ kind: "snooze", forMs: 2000 });
    expect(retryDelayMs(30, () => 1)).toBe(60_000);
  });

  it("tells a stage's transient errors from permanent ones", () => {
    const transient = [
      Object.assign(new Error("terminating connection"), { code: "57P01" }),
      Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" }),
      Object.assign(new Error("write failed"), { code: "ENOSPC" }),
      new Error("Connection terminated unexpectedly"),
      new MediaError("ffmpeg_killed", "ffmpeg encode was killed by SIGKILL"),
      new MediaError("ffmpeg_stalled", "ffmpeg made no progress for 60 s"),
      new MediaError("ffmpeg_failed", "ffmpeg encode failed: Error writing trailer", { detail: "av_interleaved_write_frame(): No space left on device" }),
      new TranscriptionError({ class: "TranscriberHttpError", message: "503", retryable: true, transcriber: "openai" }),
    ];
    for (const e of transient) expect(stageFailure(e), String(e)).toEqual({ retryable: true });
    const permanent = [
      new MediaError("no_video_stream", "no video stream"),
      new MediaError("frames_missing", "3 of 6 frames are missing"),
      new MediaError("ffmpeg_failed", "ffmpeg failed: Invalid data found when processing input"),
      new TypeError("Cannot read properties of undefined"),
      Object.assign(new Error("duplicate key"), { code: "23505" }),
      new TranscriptionError({ class: "TranscriberInputError", message: "bad audio", retryable: false, transcriber: "openai" }),
    ];
    for (const e of permanent) expect(stageFailure(e), String(e)).toEqual({ retryable: false });
    const shutdown = new AbortController();
    shutdown.abort();
    expect(stageFailure(new Error("anything"), shutdown.signal)).toMatchObject({ waiting: true });
    expect(stageFailure(new MediaError("aborted", "canceled"))).toMatchObject({ waiting: true });
  });
});
