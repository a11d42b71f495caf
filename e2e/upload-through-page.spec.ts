import path from "node:path";
import os from "node:os";
import { expect, test } from "@playwright/test";
import { makeClip } from "@/test/support/clips";
import { E2E } from "./support/settings";
import { signIn } from "./support/sign-in";

test("an operator signs in, uploads a video through the page and watches it complete", async ({ page }) => {
  await signIn(page);
  const clip = await makeClip({ path: path.join(os.tmpdir(), `framewise-e2e-page-${process.pid}.mp4`), seconds: 2 });
  await page.getByLabel("Video file").setInputFiles(clip);

  const row = page.getByTestId("video-row").filter({ hasText: path.basename(clip, ".mp4") }).first();
  await expect(row).toBeVisible();
  await expect(row).toHaveAttribute("data-status", "completed", { timeout: 90_000 });
  await expect(row.getByRole("progressbar", { name: /Overall progress of/ })).toHaveAttribute("aria-valuenow", "100");
  await page.screenshot({ path: "test-results/screenshots/videos.png", fullPage: true });
});

test("an unauthenticated visit redirects to sign-in, and signing in leads back to the page asked for", async ({ page }) => {
  await page.goto("/");
  await expect(page).toHaveURL(/\/login/);
  await page.goto("/ops");
  await expect(page).toHaveURL(/\/login\?next=%2Fops$/);
  await page.getByLabel("Email").fill(E2E.adminEmail);
  await page.getByLabel("Password").fill(E2E.adminPassword);
  await page.getByRole("button", { name: /sign in/i }).click();
  await expect(page).toHaveURL(/\/ops$/);
});
