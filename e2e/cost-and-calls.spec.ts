import { expect, test, type Locator } from "@playwright/test";
import { makeClip } from "@/test/support/clips";
import { auth, waitForVideo } from "./support/api";
import { saveScreenshot } from "./support/screenshots";
import { clipPath, uniqueTitle, uploadVideo } from "./support/seed";
import { configureFakeEnhancer, resetFakeEnhancer } from "./support/settings";
import { signIn } from "./support/sign-in";

// The e2e server prices a call at 0.01 (ENHANCER_COST_PER_CALL in
// scripts/e2e-server.ts). 15 frames, two rejected once (422, not retryable),
// then retried with the service healthy: 17 calls, 15 succeeded, 2 repeated.
const FRAMES = 15;
const FAILING = [4, 9];

test.beforeEach(resetFakeEnhancer);
test.afterEach(resetFakeEnhancer);

const fact = (card: Locator, label: string) => card.locator("div", { has: card.page().locator("dt", { hasText: new RegExp(`^${label}$`) }) }).locator("dd");

test("the video page and the operations page show the enhancer calls made, succeeded and repeated, and the money spent", async ({ page, request }) => {
  await configureFakeEnhancer({ failFrames: FAILING, failStatus: 422 });
  const title = uniqueTitle("costs");
  const clip = await makeClip({ path: clipPath(title), seconds: 1, fps: FRAMES, width: 320, height: 240, audio: false });
  const id = await uploadVideo(request, clip, title);
  expect((await waitForVideo(request, id)).status).toBe("failed");

  await resetFakeEnhancer();
  const retry = await request.post(`/api/videos/${id}/retry`, { headers: auth, data: { status: "failed" } });
  expect(await retry.json()).toEqual({ requeued: FAILING.length });
  expect((await waitForVideo(request, id)).status).toBe("completed");

  const costs = await request.get(`/api/videos/${id}/costs`, { headers: auth });
  expect(await costs.json()).toEqual({
    calls: 17,
    succeeded: 15,
    repeated: 2,
    skippedDelivered: 0,
    skippedRecovered: 0,
    saved: 0,
    costPerCall: 0.01,
    spent: 0.17,
    savedMoney: 0,
  });

  await signIn(page);
  await page.goto(`/videos/${id}`);
  const card = page.getByTestId("video-costs");
  await expect(fact(card, "Calls made")).toHaveText("17");
  await expect(fact(card, "Calls succeeded")).toHaveText("15");
  await expect(fact(card, "Calls repeated")).toHaveText("2");
  await expect(fact(card, "Calls saved")).toHaveText("0");
  await expect(fact(card, "Money spent")).toHaveText("0.17");
  await expect(fact(card, "Money saved")).toHaveText("0.00");
  await expect(card.getByRole("figure", { name: /Enhancer calls/ }).locator(".recharts-bar-rectangle").first()).toBeVisible();
  await saveScreenshot(page, "video-costs");

  // The operations page: the fleet's totals include this video's calls (other specs add theirs).
  await page.goto("/ops");
  const totals = page.getByTestId("ops-costs");
  await expect(totals).toBeVisible();
  const made = Number((await fact(totals, "Calls made").textContent())!.replace(/\D/g, ""));
  expect(made).toBeGreaterThanOrEqual(17);
  await expect(fact(totals, "Cost per call")).toHaveText("0.01");

  // And /api/metrics agrees with the operations page's source.
  const metrics = await (await request.get("/api/metrics", { headers: auth })).text();
  const total = await (await request.get("/api/costs", { headers: auth })).json();
  expect(metrics).toContain(`framewise_enhancer_calls_total ${total.calls}`);
  expect(metrics).toContain(`framewise_enhancer_cost_spent_total ${total.spent}`);
});
