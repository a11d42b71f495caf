import { expect, type Page } from "@playwright/test";
import { E2E } from "./settings";

/** Signs in through the login page; the admin of the e2e server unless told otherwise. */
export async function signIn(page: Page, as: { email: string; password: string } = { email: E2E.adminEmail, password: E2E.adminPassword }): Promise<void> {
  await page.goto("/login");
  await page.getByLabel("Email").fill(as.email);
  await page.getByLabel("Password").fill(as.password);
  await page.getByRole("button", { name: /sign in/i }).click();
  await expect(page).not.toHaveURL(/\/login/);
}
