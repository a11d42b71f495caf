import { describe, expect, it } from "vitest";
import { downstreamOf, readyStages, videoStatusFrom, type StageName, type StageStatus } from "./stages";

const all = (s: StageStatus): Record<StageName, StageStatus> => ({ preprocess: s, enhance: s, thumbnails: s, captions: s, encode: s });

describe("stage DAG", () => {
  it("starts enhance and captions once preprocess succeeded", () => {
    expect(readyStages({ ...all("pending"), preprocess: "succeeded" })).toEqual(["enhance", "captions"]);
  });
  it("starts thumbnails and encode only after enhance", () => {
    expect(readyStages({ ...all("pending"), preprocess: "succeeded", captions: "running" })).toEqual(["enhance"]);
    expect(readyStages({ ...all("pending"), preprocess: "succeeded", enhance: "succeeded", captions: "running" })).toEqual(["thumbnails", "encode"]);
  });
  it("treats skipped as finished", () => {
    expect(readyStages({ ...all("pending"), preprocess: "skipped" })).toEqual(["enhance", "captions"]);
  });
  it("lists everything downstream of enhance", () => {
    expect(downstreamOf("enhance")).toEqual(["thumbnails", "encode"]);
    expect(downstreamOf("preprocess")).toEqual(["enhance", "thumbnails", "captions", "encode"]);
  });
  it("derives the video status", () => {
    expect(videoStatusFrom(all("pending"))).toBe("queued");
    expect(videoStatusFrom({ ...all("succeeded"), captions: "skipped" })).toBe("completed");
    expect(videoStatusFrom({ ...all("pending"), preprocess: "running" })).toBe("processing");
    expect(videoStatusFrom({ ...all("succeeded"), encode: "failed" })).toBe("failed");
  });
});
