import { expect, test } from "@playwright/test";
import { makeClip } from "@/test/support/clips";
import { waitForVideo } from "./support/api";
import { clipPath, uniqueTitle, uploadVideo } from "./support/seed";
import { configureFakeEnhancer, resetFakeEnhancer } from "./support/settings";
import { signIn } from "./support/sign-in";

test.beforeEach(resetFakeEnhancer);
test.afterEach(resetFakeEnhancer);

// What the operator sees while calls are paused: the video page says why and
// until when, and its ETA and throughput do not pretend work is flowing.
test("during an outage the video page says calls are paused by the breaker and until when; the video completes after it", async ({ page, request }) => {
  const title = uniqueTitle("paused");
  const clip = await makeClip({ path: clipPath(title), seconds: 2, fps: 10, width: 160, height: 120, audio: false });
  // 503 without Retry-After for every call: the breaker (5 failing frames) opens.
  await configureFakeEnhancer({ outage: { untilMs: Date.now() + 20_000, status: 503, retryAfterSec: 0 } });
  const id = await uploadVideo(request, clip, title);
  await signIn(page);
  await page.goto(`/videos/${id}`);

  const pause = page.getByTestId("call-pause");
  await expect(pause).toBeVisible({ timeout: 30_000 });
  await expect(pause).toHaveAttribute("data-reason", "breaker");
  await expect(pause).toContainText("circuit breaker");
  await expect(page.getByTestId("eta")).toContainText("paused");
  await expect(page.getByTestId("count-running")).toHaveText("0 · paused");

  await expect(page.getByTestId("video-detail")).toHaveAttribute("data-status", "completed", { timeout: 90_000 });
  await expect(pause).toHaveCount(0);
});

test("after 'Retry all' the failed-frames page shows the re-queued frames' progress, not 'no failed frames'", async ({ page, request }) => {
  await configureFakeEnhancer({ failFrames: [2, 5, 8], failStatus: 422 });
  const title = uniqueTitle("retry-progress");
  const clip = await makeClip({ path: clipPath(title), seconds: 1, fps: 10, width: 160, height: 120, audio: false });
  const id = await uploadVideo(request, clip, title);
  expect((await waitForVideo(request, id)).status).toBe("failed");

  await signIn(page);
  await page.goto(`/videos/${id}/frames`);
  await expect(page.getByTestId("failed-frame-row")).toHaveCount(3);
  // The service is healthy again, but slow: the retried frames stay in flight a while.
  await configureFakeEnhancer({ failFrames: [], latencyMs: 4000 });
  await page.getByRole("button", { name: "Retry all failed (3)" }).click();
  await page.getByTestId("confirm-dialog").filter({ visible: true }).getByRole("button", { name: "Re-queue 3" }).click();

  const progress = page.getByTestId("retry-progress");
  await expect(progress).toContainText("3 frames still being enhanced");
  await expect(page.getByText("No failed frames right now")).toBeVisible();
  await expect(page.getByText("3 frames are still being enhanced; any that fail again are listed here.")).toBeVisible();
  await expect(progress).toHaveCount(0, { timeout: 60_000 });
  await expect(page.getByText("No failed frames", { exact: true }).first()).toBeVisible();
});
