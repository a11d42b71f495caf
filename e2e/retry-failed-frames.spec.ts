import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { makeClip } from "@/test/support/clips";
import { auth, waitForVideo } from "./support/api";
import { saveScreenshot } from "./support/screenshots";
import { clipPath, getFrame, listFrames, uniqueTitle, uploadVideo } from "./support/seed";
import { configureFakeEnhancer, resetFakeEnhancer } from "./support/settings";
import { signIn } from "./support/sign-in";

// The fake enhancement service rejects these frames with a permanent 422 and
// a JSON error body; the message below is the fake's (lib/enhance/fake-service.ts)
// as the HTTP enhancer records it (lib/enhance/http.ts).
const FAILING = [3, 7, 11];
const FRAMES = 15; // 1 s at 15 fps
const messageOf = (frame: number) => `HTTP 422: frame ${frame} rejected: unsupported content in block ${frame * 7 + 3}`;

test.beforeEach(resetFakeEnhancer);
test.afterEach(resetFakeEnhancer);

/** A video whose enhance stage ended with exactly FAILING failed (one attempt each, 422 is not retryable). */
async function seedVideoWithFailedFrames(request: APIRequestContext, prefix: string): Promise<string> {
  await configureFakeEnhancer({ failFrames: FAILING, failStatus: 422 });
  const title = uniqueTitle(prefix);
  const clip = await makeClip({ path: clipPath(title), seconds: 1, fps: 15, width: 320, height: 240, audio: false });
  const id = await uploadVideo(request, clip, title);
  const video = await waitForVideo(request, id);
  expect(video.status, JSON.stringify(video.stages)).toBe("failed");
  const failed = await listFrames(request, id, "failed");
  expect(failed.map((f) => [f.index, f.attempts])).toEqual(FAILING.map((i) => [i, 1]));
  return id;
}

async function expectFailedRows(page: Page, frames: number[]) {
  const rows = page.getByTestId("failed-frame-row");
  await expect(rows).toHaveCount(frames.length, { timeout: 30_000 });
  for (const [n, frame] of frames.entries()) {
    const row = rows.nth(n);
    await expect(row).toHaveAttribute("data-frame-index", String(frame));
    await expect(row.getByTestId("http-status")).toHaveText("422");
    await expect(row.getByTestId("error-message")).toHaveText(messageOf(frame));
  }
}

test("the failed-frames table lists exactly the frames the service rejected; retrying their error group once the service is healthy completes the video", async ({
  page,
  request,
}) => {
  const id = await seedVideoWithFailedFrames(request, "group");
  await signIn(page);
  await page.goto(`/videos/${id}/frames`);

  await expectFailedRows(page, FAILING);
  const group = page.getByTestId("error-group");
  await expect(group).toHaveCount(1);
  await expect(group).toHaveAttribute("data-count", "3");
  await expect(group.getByTestId("error-group-count")).toHaveText("3");
  await expect(group).toContainText("HTTP 422");
  await expect(page.getByRole("button", { name: "Retry all failed (3)" })).toBeVisible();
  await saveScreenshot(page, "failed-frames", { docs: true });

  await resetFakeEnhancer();
  await group.getByRole("button", { name: "Retry this group" }).click();
  const dialog = page.getByTestId("confirm-dialog").filter({ visible: true });
  await expect(dialog).toContainText("Re-queue 3 frames that failed with HttpError (HTTP 422)?");
  await expect(dialog.getByRole("button", { name: "Re-queue 3" })).toBeFocused();
  await dialog.getByRole("button", { name: "Re-queue 3" }).click();
  await expect(page.getByText("3 frames re-queued (HttpError 422).")).toBeVisible();

  // The page follows the retry live: the rows and the group go away once the frames succeed.
  await expect(page.getByTestId("failed-frame-row")).toHaveCount(0, { timeout: 30_000 });
  await expect(page.getByTestId("error-group")).toHaveCount(0);
  await expect(page.getByText("No failed frames").first()).toBeVisible();

  await page.goto(`/videos/${id}`);
  await expect(page.getByTestId("video-detail")).toHaveAttribute("data-status", "completed", { timeout: 60_000 });
  await expect(page.getByTestId("count-failed")).toHaveText("0");
  await expect(page.getByTestId("count-succeeded")).toHaveText(String(FRAMES));
  await expect(page.getByTestId("frame-map")).toHaveAttribute("data-first-failed", "-1");
  await expect(page.getByTestId("frame-map")).toHaveAttribute("aria-label", new RegExp(`${FRAMES} succeeded, 0 failed`));
  await expect(page.getByTestId("output-video")).toBeVisible();
  for (const frame of FAILING) {
    const detail = await getFrame(request, id, frame);
    expect([detail.status, detail.attempts], `frame ${frame}`).toEqual(["succeeded", 2]);
  }
});

test("retrying two selected rows re-queues only those two; the third failed frame is not touched", async ({ page, request }) => {
  const id = await seedVideoWithFailedFrames(request, "selection");
  const untouched = FAILING[2]!;
  const before = await getFrame(request, id, untouched);
  await signIn(page);
  await page.goto(`/videos/${id}/frames`);
  await expectFailedRows(page, FAILING);

  await resetFakeEnhancer();
  await page.getByRole("checkbox", { name: `Select frame ${FAILING[0]}`, exact: true }).check();
  await page.getByRole("checkbox", { name: `Select frame ${FAILING[1]}`, exact: true }).check();
  await page.getByRole("button", { name: "Retry selected (2)" }).click();
  const dialog = page.getByTestId("confirm-dialog").filter({ visible: true });
  await expect(dialog).toContainText("Re-queue 2 selected frames?");
  await expect(dialog).toContainText(`Frames ${FAILING[0]}, ${FAILING[1]} are sent to the enhancer again.`);
  // Keyboard: the confirm button has the focus, Enter re-queues.
  await expect(dialog.getByRole("button", { name: "Re-queue 2" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.getByText("2 frames re-queued.")).toBeVisible();

  await expectFailedRows(page, [untouched]);
  await expect
    .poll(async () => Promise.all(FAILING.slice(0, 2).map(async (f) => (await getFrame(request, id, f)).status)), { timeout: 30_000 })
    .toEqual(["succeeded", "succeeded"]);
  const settled = await waitForVideo(request, id);
  expect(settled.status).toBe("failed");

  const stillFailed = await listFrames(request, id, "failed");
  expect(stillFailed.map((f) => f.index)).toEqual([untouched]);
  const after = await getFrame(request, id, untouched);
  expect(after.attempts).toBe(before.attempts);
  expect(after.attemptsHistory).toHaveLength(before.attemptsHistory.length);
  for (const frame of FAILING.slice(0, 2)) expect((await getFrame(request, id, frame)).attempts, `frame ${frame}`).toBe(2);
});

test("the frame map shows the failed frames as failed cells; clicking one opens that frame", async ({ page, request }) => {
  const id = await seedVideoWithFailedFrames(request, "frame-map");
  await signIn(page);
  await page.goto(`/videos/${id}`);
  await expect(page.getByTestId("video-detail")).toHaveAttribute("data-status", "failed");
  await expect(page.getByTestId("count-failed")).toContainText("3");

  const map = page.getByTestId("frame-map");
  await expect(map).toHaveAttribute("data-frame-count", String(FRAMES));
  await expect(map).toHaveAttribute("data-first-failed", String(FAILING[0]));
  await expect(map).toHaveAttribute("aria-label", new RegExp(`${FRAMES - FAILING.length} succeeded, ${FAILING.length} failed`));
  const cols = Number(await map.getAttribute("data-cols"));
  const cell = Number(await map.getAttribute("data-cell-size"));
  const centre = (i: number) => ({ x: (i % cols) * cell + cell / 2, y: Math.floor(i / cols) * cell + cell / 2 });

  // What the operator sees: the colour drawn at each cell's centre (red failed, green succeeded).
  const colours = await map.evaluate(
    (canvas: HTMLCanvasElement, points: Array<{ x: number; y: number }>) => {
      const ctx = canvas.getContext("2d")!;
      const sx = canvas.width / canvas.clientWidth;
      const sy = canvas.height / canvas.clientHeight;
      return points.map(({ x, y }) => {
        const [r, g, b] = ctx.getImageData(Math.floor(x * sx), Math.floor(y * sy), 1, 1).data;
        return r! > 200 && g! < 130 && b! < 130 ? "failed" : g! > 150 && r! < 100 ? "succeeded" : `rgb(${r},${g},${b})`;
      });
    },
    Array.from({ length: FRAMES }, (_, i) => centre(i)),
  );
  expect(colours).toEqual(Array.from({ length: FRAMES }, (_, i) => (FAILING.includes(i) ? "failed" : "succeeded")));

  const target = FAILING[1]!; // not the first failed one: the click must map to the cell
  await map.click({ position: centre(target) });
  const drawer = page.getByTestId("frame-drawer");
  await expect(drawer).toBeVisible();
  await expect(drawer.getByRole("heading", { name: `Frame ${target}`, exact: true })).toBeVisible();
  await expect(page).toHaveURL(new RegExp(`[?&]frame=${target}\\b`));
  await expect(drawer).toContainText("Last error · HttpError · HTTP 422 · not retryable");
  await expect(drawer).toContainText(messageOf(target));
  await expect(drawer.getByTestId("frame-attempt")).toHaveCount(1);
  await expect(drawer.getByRole("button", { name: "Retry this frame" })).toBeVisible();
  await expect(drawer.getByRole("img", { name: `Frame ${target}, original` })).toBeVisible();
  await saveScreenshot(page, "frame-drawer", { fullPage: false });

  await expect(drawer.getByRole("button", { name: "Close frame details" })).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(drawer).toBeHidden();
  await expect(page).not.toHaveURL(/[?&]frame=/);
  await saveScreenshot(page, "video-with-failed-frames");

  // Nothing was retried by looking: the API still has the three failed frames, one attempt each.
  const res = await request.get(`/api/videos/${id}/frames?status=failed`, { headers: auth });
  expect(((await res.json()) as { frames: Array<{ index: number; attempts: number }> }).frames.map((f) => [f.index, f.attempts])).toEqual(
    FAILING.map((i) => [i, 1]),
  );
});
