import { expect, test, type APIRequestContext } from "@playwright/test";
import { makeClip } from "@/test/support/clips";
import { auth, waitForVideo } from "./support/api";
import { saveScreenshot } from "./support/screenshots";
import { clipPath, listFrames, uniqueTitle, uploadVideo } from "./support/seed";
import { configureFakeEnhancer, resetFakeEnhancer } from "./support/settings";
import { signIn } from "./support/sign-in";
import { createTestUser } from "./support/team";

test.beforeEach(resetFakeEnhancer);
test.afterEach(resetFakeEnhancer);

async function failedVideo(request: APIRequestContext, title: string, failFrames: number[]): Promise<string> {
  await configureFakeEnhancer({ failFrames, failStatus: 422 });
  const clip = await makeClip({ path: clipPath(title), seconds: 1, fps: 8, width: 160, height: 120, audio: false });
  const id = await uploadVideo(request, clip, title);
  expect((await waitForVideo(request, id)).status).toBe("failed");
  return id;
}

test("an operator retries the failed frames of all videos matching a filter; it runs in the background, completes, and is in the audit trail", async ({ page, request, browser }) => {
  const tag = uniqueTitle("bulk");
  const a = await failedVideo(request, `${tag}-one`, [1, 4]);
  const b = await failedVideo(request, `${tag}-two`, [2]);
  await resetFakeEnhancer();
  const operator = await createTestUser(request, "operator");

  await signIn(page, operator);
  await page.goto(`/?status=failed&q=${encodeURIComponent(tag)}`);
  await expect(page.getByTestId("video-row")).toHaveCount(2);
  const bar = page.getByTestId("bulk-bar");
  await bar.getByRole("button", { name: "Select all matching" }).click();
  await expect(page.getByTestId("bulk-scope")).toHaveText("All 2 matching this filter");
  await bar.getByRole("button", { name: "Retry failed frames" }).click();
  const dialog = page.getByTestId("confirm-dialog");
  await expect(dialog).toContainText("all 2 videos matching this filter");
  await dialog.getByRole("button", { name: "Retry failed frames 2" }).click();

  const progress = page.getByTestId("bulk-progress");
  await expect(progress).toHaveAttribute("data-status", "completed");
  await expect(page.getByTestId("bulk-summary")).toHaveText("2 done, 0 skipped");
  await saveScreenshot(page, "bulk-retry");
  for (const id of [a, b]) {
    expect((await waitForVideo(request, id)).status).toBe("completed");
    expect(await listFrames(request, id, "failed")).toEqual([]);
  }

  // The video's history names the operator; the audit page has the request and each video.
  await page.goto(`/videos/${a}`);
  await expect(page.getByRole("region", { name: "History" }).getByText(`${operator.email} retried all 2 frames that failed`)).toBeVisible();
  const admin = await browser.newPage();
  await signIn(admin);
  await admin.goto("/audit");
  await admin.getByLabel("Actor").fill(operator.email);
  await admin.getByLabel("Actor").press("Enter");
  const rows = admin.getByTestId("audit-row");
  await expect(rows).toHaveCount(3);
  await expect(rows.filter({ hasText: "started a bulk retry failed on 2 videos" })).toHaveCount(1);
  await expect(rows.and(admin.locator('[data-action="video.retry"]'))).toHaveCount(2);
  await admin.close();
});

test("selected rows: the confirmation states the count, and a bulk cancel of the selection runs in the background and is summarised", async ({ page, request }) => {
  const title = uniqueTitle("bulk-skip");
  const id = await failedVideo(request, title, [0]);
  await signIn(page);
  await page.goto(`/?q=${encodeURIComponent(title)}`);
  await page.getByRole("checkbox", { name: `Select ${title}` }).check();
  await expect(page.getByTestId("bulk-scope")).toHaveText("1 selected");
  await page.getByTestId("bulk-bar").getByRole("button", { name: "Delete" }).click();
  await expect(page.getByTestId("confirm-dialog")).toContainText("1 selected video");
  await page.getByTestId("confirm-dialog").getByRole("button", { name: "Keep as is" }).click();
  await page.getByTestId("bulk-bar").getByRole("button", { name: "Cancel" }).click();
  await page.getByTestId("confirm-dialog").getByRole("button", { name: "Cancel 1" }).click();
  await expect(page.getByTestId("bulk-progress")).toHaveAttribute("data-status", "completed");
  // A failed video can still be canceled (no retry can then restart it).
  await expect(page.getByTestId("bulk-summary")).toHaveText("1 done, 0 skipped");
  expect((await (await request.get(`/api/videos/${id}`, { headers: auth })).json()).status).toBe("canceled");
});

test("search finds a video by id prefix, a frame by video and index, an error by its text; the failures page retries a group everywhere", async ({ page, request }) => {
  const title = uniqueTitle("searchable");
  const id = await failedVideo(request, title, [3]);
  await resetFakeEnhancer();
  await signIn(page);

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Search" }).click();
  // Until the client-side navigation lands, the videos page (its "Search videos" box, rows titled "searchable-…") also matches the label.
  await expect(page).toHaveURL(/\/search$/);
  await page.getByLabel("Search", { exact: true }).fill(id.slice(0, 8));
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.getByTestId("search-video").filter({ hasText: title })).toHaveCount(1);
  await page.goto(`/search?q=${encodeURIComponent(`${id.slice(0, 8)}#3`)}`);
  await expect(page.getByTestId("search-frame")).toContainText(`Frame 3 of ${title}`);
  await expect(page.getByTestId("search-frame")).toContainText("failed");
  // The fake service's 422 message for frame 3 (lib/enhance/fake-service.ts).
  await page.goto(`/search?q=${encodeURIComponent("frame 3 rejected: unsupported content in block 24")}`);
  await expect(page.getByTestId("search-error").filter({ hasText: title })).toContainText("frame 3");

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Failures" }).click();
  const group = page.getByTestId("failure-group").filter({ hasText: title });
  await expect(group).toContainText("HTTP 422");
  await group.getByRole("button", { name: "Retry this group everywhere" }).click();
  await page.getByTestId("confirm-dialog").getByRole("button", { name: /^Retry / }).click();
  await expect(page.getByTestId("bulk-progress")).toHaveAttribute("data-status", "completed");
  await saveScreenshot(page, "failures");
  expect((await waitForVideo(request, id)).status).toBe("completed");
});
