import { expect, test } from "@playwright/test";
import { saveScreenshot } from "./support/screenshots";
import { resetFakeEnhancer } from "./support/settings";
import { signIn } from "./support/sign-in";

test.beforeEach(resetFakeEnhancer);

test("the operations page shows the worker online, the queues and a closed breaker", async ({ page }) => {
  await signIn(page);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Operations" }).click();
  await expect(page).toHaveURL("/ops");

  // npm start runs exactly one worker; it heartbeats, so it is online.
  const workers = page.getByTestId("worker-row");
  await expect(workers).toHaveCount(1);
  await expect(workers.first()).toHaveAttribute("data-online", "true");
  await expect(workers.first().getByRole("progressbar", { name: /^Frames in flight on / })).toBeVisible();
  await expect(workers.first()).toContainText("/2"); // in flight of WORKER_CONCURRENCY=2
  const enhancer = page.getByTestId("enhancer");
  await expect(enhancer).toHaveAttribute("data-breaker-state", "closed");
  await expect(enhancer).toContainText("Mode: http");
  await expect(page.getByTestId("queue").first()).toBeVisible();
  await saveScreenshot(page, "ops");
});

test("signing out leads to the sign-in page and the dashboard is closed again", async ({ page }) => {
  await signIn(page);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByRole("heading", { name: "Sign in to Framewise" })).toBeVisible();
  await saveScreenshot(page, "login");

  await page.goto("/ops");
  await expect(page).toHaveURL(/\/login/);
  const res = await page.request.get("/api/videos");
  expect(res.status()).toBe(401);
});
