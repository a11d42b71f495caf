import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeAudioOnly, makeClip, makeEmpty, makeTextFile } from "@/test/support/clips";
import { MediaError, type MediaErrorCode } from "./errors";
import { describeMedia, frameRateOf, type FfprobeOutput } from "./media-info";
import { probeMedia } from "./probe";

let dir: string;
let clip: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "framewise-probe-"));
  clip = await makeClip({ path: path.join(dir, "clip.mp4") });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function refusal(promise: Promise<unknown>): Promise<MediaError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MediaError);
  return error as MediaError;
}

describe("probeMedia", () => {
  it("describes a generated clip", async () => {
    const info = await probeMedia(clip);
    expect(info).toMatchObject({
      fpsNum: 30,
      fpsDen: 1,
      fps: 30,
      width: 320,
      height: 240,
      frameCountEstimate: 60,
      videoCodec: "h264",
      audioCodec: "aac",
      hasAudio: true,
    });
    expect(info.durationSec).toBeCloseTo(2, 1);
    expect(info.container).toContain("mp4");
    expect(info.rotation).toBeUndefined();
    expect(info.raw.video.pixFmt).toBe("yuv420p");
    expect(JSON.stringify(info.raw).length).toBeLessThan(2048);
  });

  it("keeps an NTSC rate as the exact fraction and reports a clip without audio", async () => {
    const file = await makeClip({ path: path.join(dir, "ntsc.mp4"), fps: "30000/1001", seconds: 1, audio: false });
    const info = await probeMedia(file);
    expect([info.fpsNum, info.fpsDen]).toEqual([30000, 1001]);
    expect(info.fps).toBeCloseTo(29.97, 2);
    expect(info.hasAudio).toBe(false);
    expect(info.audioCodec).toBeNull();
  });

  it("reports a rotated phone video with the size of the frames ffmpeg will extract", async () => {
    const file = await makeClip({ path: path.join(dir, "portrait.mp4"), seconds: 1, audio: false, rotate: 90 });
    const info = await probeMedia(file);
    expect([90, 270]).toContain(info.rotation);
    expect([info.width, info.height]).toEqual([240, 320]);
    expect([info.raw.video.codedWidth, info.raw.video.codedHeight]).toEqual([320, 240]);
  });

  it.each<[string, () => Promise<string>, MediaErrorCode, RegExp]>([
    ["an empty file", () => makeEmpty(path.join(dir, "empty.mp4")), "empty_file", /empty/],
    ["a text file named .mp4", () => makeTextFile(path.join(dir, "notes.mp4")), "unreadable", /notes\.mp4 is not a readable video/],
    ["an audio-only m4a", () => makeAudioOnly(path.join(dir, "voice.m4a")), "no_video_stream", /only audio/],
    ["an mp3 whose cover art is a 'video' stream", () => makeAudioOnly(path.join(dir, "song.mp3"), { coverArt: true }), "no_video_stream", /only audio/],
  ])("refuses %s", async (_label, make, code, message) => {
    const error = await refusal(probeMedia(await make()));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
    expect(error.isInputError).toBe(true);
    expect(error.message).not.toContain(dir); // no server paths in what the API shows
  });

  it("refuses a playlist, which could make ffmpeg read other files", async () => {
    const playlist = path.join(dir, "list.m3u8");
    await writeFile(playlist, `#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\n${clip}\n#EXT-X-ENDLIST\n`);
    const error = await refusal(probeMedia(playlist));
    expect(error.code).toBe("unsupported");
    expect(error.message).toMatch(/upload a video file/);
  });

  it("treats a missing file as a processing failure, not a bad upload", async () => {
    const error = await refusal(probeMedia(path.join(dir, "gone.mp4")));
    expect(error.code).toBe("probe_failed");
    expect(error.isInputError).toBe(false);
  });

  it("gives up after the timeout with a MediaError", async () => {
    const error = await refusal(probeMedia(clip, { timeoutMs: 1 }));
    expect(error.code).toBe("unreadable");
    expect(error.message).toMatch(/gave up/);
  });
});

describe("describeMedia", () => {
  const base: FfprobeOutput = {
    format: { format_name: "mov,mp4,m4a,3gp,3g2,mj2", duration: 2, size: 1000, bit_rate: 4000, format_long_name: undefined, start_time: 0 },
    streams: [
      { index: 0, codec_type: "video", codec_name: "h264", width: 320, height: 240, r_frame_rate: "30/1", avg_frame_rate: "30/1" } as FfprobeOutput["streams"][number],
    ],
  };
  const withVideo = (patch: Partial<FfprobeOutput["streams"][number]>): FfprobeOutput => ({
    ...base,
    streams: [{ ...base.streams[0]!, ...patch }],
  });

  it.each<[string, Partial<FfprobeOutput["streams"][number]>, RegExp]>([
    ["zero width", { width: 0 }, /without a picture size/],
    ["no frame rate", { r_frame_rate: "0/0", avg_frame_rate: "0/0" }, /no usable frame rate/],
    ["an unknown codec", { codec_name: undefined }, /cannot decode/],
  ])("refuses %s as unsupported", (_label, patch, message) => {
    expect(() => describeMedia(withVideo(patch))).toThrow(message);
    try {
      describeMedia(withVideo(patch));
    } catch (e) {
      expect((e as MediaError).code).toBe("unsupported");
    }
  });

  it("estimates the frame count from duration when the container does not state it", () => {
    expect(describeMedia(base).frameCountEstimate).toBe(60);
    expect(describeMedia(withVideo({ nb_frames: 59 })).frameCountEstimate).toBe(59);
  });
});

describe("frameRateOf", () => {
  it("prefers the clean fraction when both rates agree, else the average", () => {
    expect(frameRateOf({ r_frame_rate: "30000/1001", avg_frame_rate: "2997/100" })).toEqual({ num: 30000, den: 1001 });
    expect(frameRateOf({ r_frame_rate: "90000/1", avg_frame_rate: "25/1" })).toEqual({ num: 25, den: 1 });
    expect(frameRateOf({ r_frame_rate: "60/2", avg_frame_rate: "0/0" })).toEqual({ num: 30, den: 1 });
    expect(frameRateOf({ r_frame_rate: "0/0", avg_frame_rate: "0/0" })).toBeNull();
  });
});
