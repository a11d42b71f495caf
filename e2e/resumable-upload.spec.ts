import { stat } from "node:fs/promises";
import path from "node:path";
import { expect, test, type Route } from "@playwright/test";
import { auth } from "./support/api";
import { clipPath, makeNoiseClip, sha256, uniqueTitle } from "./support/seed";
import { E2E, resetFakeEnhancer } from "./support/settings";
import { signIn } from "./support/sign-in";

// The browser's tus client sends the file in chunks of this size (lib/client/use-tus-upload.ts).
const CHUNK = 8 * 1024 * 1024;

test.beforeEach(resetFakeEnhancer);
test.afterEach(resetFakeEnhancer);

test("an upload interrupted by a page reload resumes from the server's offset and the server ends with identical bytes", async ({ page, request }) => {
  const title = uniqueTitle("resume");
  // ~12.5 MB: two chunks. Small on purpose: every byte of an intercepted request crosses the DevTools protocol (~1 MB/s).
  const [clip] = await Promise.all([makeNoiseClip({ path: clipPath(title), width: 640, height: 480, fps: 20, seconds: 1.3 }), signIn(page)]);
  const size = (await stat(clip)).size;
  expect(size, "the clip must span two chunks").toBeGreaterThan(CHUNK + 1024 * 1024);
  expect(size).toBeLessThanOrEqual(2 * CHUNK);
  const fileName = path.basename(clip);

  // The network is ours: before the reload, the first chunk reaches the server
  // and the second is held (never sent), so the reload lands mid-upload with
  // the server holding exactly one chunk. After the reload, the first PATCH is
  // held until the page has shown that it resumed.
  type Phase = "before reload" | "after reload";
  let phase = "before reload" as Phase;
  const creations: Phase[] = [];
  const patches: Array<{ phase: Phase; url: string; offset: number }> = [];
  let secondChunkHeld!: () => void;
  const secondChunkIsHeld = new Promise<void>((resolve) => (secondChunkHeld = resolve));
  let releaseResumed!: () => void;
  const resumedMayGo = new Promise<void>((resolve) => (releaseResumed = resolve));
  await page.route(/\/api\/uploads(\/|$)/, async (route: Route) => {
    const req = route.request();
    if (req.method() === "POST") creations.push(phase);
    if (req.method() !== "PATCH") return route.continue();
    const mine = { phase, url: req.url(), offset: Number(req.headers()["upload-offset"]) };
    patches.push(mine);
    const nth = patches.filter((p) => p.phase === mine.phase).length;
    if (mine.phase === "before reload" && nth > 1) {
      secondChunkHeld();
      return; // left pending: the reload cancels it in the browser
    }
    if (mine.phase === "after reload" && nth === 1) await resumedMayGo;
    return route.continue();
  });

  await page.getByLabel("Video file").setInputFiles(clip);
  const item = page.getByTestId("upload-item").filter({ hasText: fileName });
  await expect(item).toHaveAttribute("data-status", "uploading");
  await secondChunkIsHeld;
  expect(patches.map((p) => p.offset)).toEqual([0, CHUNK]);
  expect(creations).toEqual(["before reload"]);
  await expect(item.getByRole("progressbar", { name: `Upload progress for ${fileName}` })).toBeVisible();

  // The server holds the first chunk only.
  const uploadUrl = patches[0]!.url;
  const head = await request.head(uploadUrl, { headers: { ...auth, "Tus-Resumable": "1.0.0" } });
  expect(head.status()).toBe(200);
  expect(Number(head.headers()["upload-offset"])).toBe(CHUNK);
  expect(Number(head.headers()["upload-length"])).toBe(size);

  // Reload mid-upload. The page asks before leaving while an upload runs (beforeunload); leave anyway.
  page.on("dialog", (dialog) => void dialog.accept());
  phase = "after reload";
  await page.reload();
  const interrupted = page.getByTestId("interrupted-uploads");
  await expect(interrupted).toContainText(fileName);

  // The operator picks the same file again: it continues where the server stopped.
  await page.getByLabel("Video file").setInputFiles(clip);
  const resumed = page.getByTestId("upload-item").filter({ hasText: fileName });
  await expect(resumed).toHaveAttribute("data-status", "uploading");
  await expect(resumed).toContainText("(resumed)");
  await expect(interrupted).toBeHidden();
  releaseResumed();
  await expect(resumed).toHaveAttribute("data-status", "done", { timeout: 60_000 });

  const after = patches.filter((p) => p.phase === "after reload");
  expect(after.map((p) => p.offset)).toEqual([CHUNK]);
  expect(after.every((p) => p.url === uploadUrl), "same upload resource").toBe(true);
  expect(creations, "no second upload was created").toEqual(["before reload"]);

  const row = page.getByTestId("video-row").filter({ hasText: title });
  await expect(row).toHaveCount(1);
  const id = await row.getAttribute("data-video-id");
  expect(await sha256(path.join(E2E.dataDir, "videos", id!, "source"))).toBe(await sha256(clip));
  await expect(row).toHaveAttribute("data-status", "completed", { timeout: 60_000 });
});
