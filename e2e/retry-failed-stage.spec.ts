import { readdir, readFile, rename } from "node:fs/promises";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { makeClip } from "@/test/support/clips";
import { frameFromPack } from "@/lib/storage/frame-packs";
import { videoPaths } from "@/lib/storage/paths";
import { waitForVideo } from "./support/api";
import { clipPath, listFrames, uniqueTitle, uploadVideo } from "./support/seed";
import { configureFakeEnhancer, E2E, resetFakeEnhancer } from "./support/settings";
import { signIn } from "./support/sign-in";

test.beforeEach(resetFakeEnhancer);
test.afterEach(resetFakeEnhancer);

// A stage that fails on its own (here encode, because an enhanced frame file
// went missing) is retried from the video page: it runs again and the video
// completes, and no frame is sent to the enhancer again.
test("a failed encode is retried from the video page; stages that cannot run say so; no frame is enhanced twice", async ({ page, request }) => {
  await configureFakeEnhancer({ failFrames: [4], failStatus: 422 });
  const title = uniqueTitle("stage-retry");
  const clip = await makeClip({ path: clipPath(title), seconds: 1, fps: 10, width: 160, height: 120, audio: false });
  const id = await uploadVideo(request, clip, title);
  expect((await waitForVideo(request, id)).status).toBe("failed");

  await signIn(page);
  await page.goto(`/videos/${id}`);
  const encode = page.locator('[data-testid="stage"][data-stage="encode"]');
  await expect(encode.getByTestId("stage-detail")).toHaveText("Will not run: enhance failed");

  // The pack holding frame 7's result disappears (a disk replaced, an
  // operator's mistake): "Encode anyway" then fails in encode with the
  // reason (the first frame of that pack it needs).
  const pack = await packHolding(path.join(videoPaths(E2E.dataDir, id).dir, "enhanced"), 7);
  await rename(pack, `${pack}.away`);
  await page.getByRole("button", { name: "Encode anyway" }).click();
  await page.getByTestId("confirm-dialog").filter({ visible: true }).getByRole("button", { name: "Encode anyway" }).click();
  await expect(encode).toHaveAttribute("data-status", "failed", { timeout: 30_000 });
  await expect(encode.getByRole("alert")).toContainText(/frame \d of 10 is missing from storage/);
  const callsBefore = (await listFrames(request, id, "succeeded")).map((f) => f.attempts);

  await expect(encode.getByRole("button", { name: "Retry encode" })).toBeVisible();
  // Thumbnails ran beside encode on the same missing file: wait until it has settled too.
  const thumbnails = page.locator('[data-testid="stage"][data-stage="thumbnails"]');
  await expect(thumbnails).toHaveAttribute("data-status", /^(failed|succeeded)$/, { timeout: 60_000 });
  await rename(`${pack}.away`, pack);
  // Thumbnails may have failed on the same missing file: "Retry failed" runs every failed stage again.
  await page.getByRole("button", { name: "Retry failed" }).click();
  const dialog = page.getByTestId("confirm-dialog").filter({ visible: true });
  await expect(dialog).toContainText("no frame is enhanced again");
  await dialog.getByRole("button", { name: "Retry", exact: true }).click();
  await expect(page.getByText(/encode.* again\./)).toBeVisible();
  await expect(page.getByTestId("video-detail")).toHaveAttribute("data-status", "completed", { timeout: 60_000 });
  await expect(page.getByTestId("output-video")).toBeVisible();
  expect((await listFrames(request, id, "succeeded")).map((f) => f.attempts)).toEqual(callsBefore);
});

/** The file of the pack of enhanced frames (lib/storage/frame-packs.ts) that holds frame `index`. */
async function packHolding(dir: string, index: number): Promise<string> {
  for (const name of await readdir(dir)) {
    if (name.endsWith(".pack") && frameFromPack(await readFile(path.join(dir, name)), index) !== null) return path.join(dir, name);
  }
  throw new Error(`no pack in ${dir} holds frame ${index}`);
}
