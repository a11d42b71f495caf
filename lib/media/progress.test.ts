import { describe, expect, it } from "vitest";
import { createProgressReporter } from "./progress";

function feed(reporter: ReturnType<typeof createProgressReporter>, frame: number, progress = "continue") {
  reporter.line(`frame=${frame}`);
  reporter.line("fps=0.00");
  reporter.line(`progress=${progress}`);
}

describe("createProgressReporter", () => {
  it("reports at most once per interval, and always the final count", () => {
    let clock = 0;
    const calls: [number, number][] = [];
    const reporter = createProgressReporter({ totalEstimate: 100, onProgress: (d, t) => void calls.push([d, t]), now: () => clock });
    feed(reporter, 10);
    clock = 100;
    feed(reporter, 20); // throttled
    clock = 300;
    feed(reporter, 30);
    reporter.finish(100, 100);
    expect(calls).toEqual([
      [10, 100],
      [30, 100],
      [100, 100],
    ]);
    expect(reporter.frames).toBe(30);
  });

  it("never exceeds 100% when the estimate was low, and never goes backwards", () => {
    let clock = 0;
    const calls: [number, number][] = [];
    const reporter = createProgressReporter({ totalEstimate: 5, onProgress: (d, t) => void calls.push([d, t]), now: () => clock });
    feed(reporter, 8);
    clock = 1000;
    feed(reporter, 3); // a stale line: ignored
    clock = 2000;
    feed(reporter, 9, "end");
    expect(calls).toEqual([
      [8, 8],
      [9, 9],
    ]);
  });

  it("does not repeat the final count when ffmpeg already reported it", () => {
    const calls: number[] = [];
    const reporter = createProgressReporter({ totalEstimate: 9, onProgress: (d) => void calls.push(d) });
    feed(reporter, 9, "end");
    reporter.finish(9, 9);
    expect(calls).toEqual([9]);
  });

  it("ignores lines that are not key=value and waits for the first frame", () => {
    const calls: number[] = [];
    const reporter = createProgressReporter({ totalEstimate: 10, onProgress: (d) => void calls.push(d) });
    reporter.line("garbage");
    reporter.line("progress=continue");
    expect(calls).toEqual([]);
  });
});
