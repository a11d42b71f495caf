import { expect, test, type Locator } from "@playwright/test";
import { makeClip } from "@/test/support/clips";
import { saveScreenshot } from "./support/screenshots";
import { clipPath, uniqueTitle } from "./support/seed";
import { configureFakeEnhancer, resetFakeEnhancer } from "./support/settings";
import { signIn } from "./support/sign-in";

const STAGES = ["preprocess", "enhance", "thumbnails", "captions", "encode"] as const;

test.beforeEach(resetFakeEnhancer);
test.afterEach(resetFakeEnhancer);

/** Every stage bar's aria-valuenow and the row's status, read in one go so a sample is consistent. */
function sampleRow(row: Locator) {
  return row.evaluate((el) => ({
    status: el.getAttribute("data-status"),
    overall: Number(el.querySelector('[role="progressbar"][aria-label^="Overall progress of"]')?.getAttribute("aria-valuenow")),
    stages: Object.fromEntries(
      [...el.querySelectorAll("[data-stage]")].map((li) => [
        li.getAttribute("data-stage"),
        { status: li.getAttribute("data-stage-status"), value: Number(li.querySelector('[role="progressbar"]')?.getAttribute("aria-valuenow")) },
      ]),
    ) as Record<string, { status: string | null; value: number }>,
  }));
}

test("a video uploaded through the page shows its stages advancing live, completes, and its output plays", async ({ page }) => {
  // A slow service: 30 frames at 500 ms each, 2 in flight, so enhance lasts
  // ~7.5 s. The list polls every 1.5 s (a refresh takes up to ~3 s on a busy
  // 2-core machine), so it must show enhance part-way at least once.
  await configureFakeEnhancer({ latencyMs: 500 });
  await signIn(page);
  const title = uniqueTitle("live");
  const clip = await makeClip({ path: clipPath(title), seconds: 2, fps: 15, width: 320, height: 240, audio: true });

  await page.getByLabel("Video file").setInputFiles(clip);
  await expect(page.getByTestId("upload-item").filter({ hasText: title })).toHaveAttribute("data-status", "done", { timeout: 30_000 });

  const row = page.getByTestId("video-row").filter({ hasText: title });
  await expect(row).toHaveCount(1);
  const samples: Awaited<ReturnType<typeof sampleRow>>[] = [];
  await expect
    .poll(
      async () => {
        const sample = await sampleRow(row);
        samples.push(sample);
        return sample.status;
      },
      { timeout: 90_000, intervals: [100] },
    )
    .toBe("completed");

  // Advancing: the enhance bar was seen part-way, and no bar ever went backwards.
  const enhanceValues = samples.map((s) => s.stages.enhance?.value ?? NaN);
  expect(enhanceValues.some((v) => v > 0 && v < 100), `enhance progress seen: ${enhanceValues.join(",")}`).toBe(true);
  expect(samples.some((s) => s.overall > 0 && s.overall < 100), "overall progress seen part-way").toBe(true);
  for (const series of [samples.map((s) => s.overall), ...STAGES.map((name) => samples.map((s) => s.stages[name]?.value ?? NaN))]) {
    expect(series.every((v, i) => Number.isFinite(v) && (i === 0 || v >= series[i - 1]!)), `monotonic: ${series.join(",")}`).toBe(true);
  }
  const last = samples.at(-1)!;
  expect(last.overall).toBe(100);
  for (const name of STAGES) {
    expect(last.stages[name]?.value, name).toBe(100);
    expect(["succeeded", "skipped"], name).toContain(last.stages[name]?.status);
  }
  await expect(row.getByTestId("output-link")).toBeVisible();
  await saveScreenshot(page, "videos");

  const id = await row.getAttribute("data-video-id");
  await row.getByRole("link", { name: title, exact: true }).click();
  await expect(page).toHaveURL(`/videos/${id}`);
  const detail = page.getByTestId("video-detail");
  await expect(detail).toHaveAttribute("data-status", "completed");
  for (const name of STAGES) {
    const stage = page.getByTestId("stage").and(page.locator(`[data-stage="${name}"]`));
    await expect(stage).toHaveAttribute("data-status", /^(succeeded|skipped)$/);
    await expect(stage.getByRole("progressbar", { name: `${name} stage progress` })).toHaveAttribute("aria-valuenow", "100");
  }
  await expect(page.getByTestId("count-failed")).toHaveText("0");
  await expect(page.getByTestId("count-succeeded")).toHaveText("30");

  // The output plays: metadata loads with the clip's duration, and playback moves the clock.
  const player = page.getByTestId("output-video");
  await expect(player).toBeVisible();
  const duration = await player.evaluate(
    (video: HTMLVideoElement) =>
      new Promise<number>((resolve, reject) => {
        const fail = () => reject(new Error(`the player could not load the output: ${video.error?.code ?? ""} ${video.error?.message ?? ""}`));
        if (video.readyState >= HTMLMediaElement.HAVE_METADATA) return resolve(video.duration);
        if (video.networkState === HTMLMediaElement.NETWORK_NO_SOURCE) return fail();
        video.addEventListener("loadedmetadata", () => resolve(video.duration), { once: true });
        video.addEventListener("error", fail, { once: true });
        // With <source> children, a failed load fires "error" on the last <source>, not on the <video>.
        video.querySelector("source:last-of-type")?.addEventListener("error", fail, { once: true });
      }),
  );
  expect(duration).toBeGreaterThan(0);
  expect(Math.abs(duration - 2)).toBeLessThan(0.2);
  await player.evaluate(async (video: HTMLVideoElement) => {
    video.muted = true;
    await video.play();
  });
  await expect.poll(() => player.evaluate((video: HTMLVideoElement) => video.currentTime), { timeout: 10_000 }).toBeGreaterThan(0);
  await player.evaluate((video: HTMLVideoElement) => {
    video.pause();
    video.currentTime = 0;
  });
  await saveScreenshot(page, "video", { docs: true });
});
