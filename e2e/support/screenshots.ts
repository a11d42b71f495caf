import { copyFile, mkdir } from "node:fs/promises";
import path from "node:path";
import type { Page } from "@playwright/test";

const DIR = "test-results/screenshots";
const DOCS_DIR = "docs/screenshots";

/**
 * A full-page screenshot for a reviewer, under test-results/screenshots/.
 * With `docs`, the README's copy under docs/screenshots/ is refreshed too, but
 * only when UPDATE_DOCS_SCREENSHOTS=1: an ordinary test run must not leave
 * the committed images modified in the work tree. Pass `fullPage: false` while
 * a modal is open (the frame drawer): a full-page capture stretches the
 * viewport and the top-layer <dialog> lands in the middle of the page.
 */
export async function saveScreenshot(page: Page, name: string, options: { docs?: boolean; fullPage?: boolean } = {}): Promise<void> {
  const file = path.join(DIR, `${name}.png`);
  // Let eager images (posters, frame images) and fonts land first; lazy ones below the fold may stay grey.
  await page
    .waitForFunction(() => [...document.images].every((img) => img.complete || img.loading === "lazy"), undefined, { timeout: 10_000 })
    .catch(() => undefined);
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  const fullPage = options.fullPage ?? true;
  // Scrolled down, the sticky header would be drawn in the middle of a full-page capture.
  if (fullPage) await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: file, fullPage, animations: "disabled", caret: "hide" });
  if (options.docs && process.env.UPDATE_DOCS_SCREENSHOTS === "1") {
    await mkdir(DOCS_DIR, { recursive: true });
    await copyFile(file, path.join(DOCS_DIR, `${name}.png`));
  }
}
