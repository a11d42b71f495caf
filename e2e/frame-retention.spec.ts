import { readFile } from "node:fs/promises";
import { expect, test } from "@playwright/test";
import pg from "pg";
import { makeClip } from "@/test/support/clips";
import { auth, waitForVideo } from "./support/api";
import { clipPath, uniqueTitle, uploadVideo } from "./support/seed";
import { E2E } from "./support/settings";
import { signIn } from "./support/sign-in";

// Retention through the real worker: the e2e server keeps frames one hour
// (FRAME_RETENTION_HOURS=1); this spec backdates its own video's completion
// by two, and the worker's sweep purges its frames. The page and the API say
// so, and what needs the frames answers with a sentence.

test("frames purged by retention: the video page says so, the output stays, retry and before/after answer with a sentence", async ({ page, request }) => {
  const title = uniqueTitle("retention");
  const clip = await makeClip({ path: clipPath(title), seconds: 1, fps: 10, width: 160, height: 120, audio: false });
  const id = await uploadVideo(request, clip, title);
  expect((await waitForVideo(request, id)).status).toBe("completed");

  // The embedded database of the e2e server (scripts/e2e-server.ts; lib/db/embedded.ts keeps its password beside the cluster).
  const password = (await readFile(`${E2E.dataDir}/postgres.password`, "utf8")).trim();
  const db = new pg.Client({ connectionString: `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${E2E.port + 50_000 - 3000}/framewise` });
  await db.connect();
  try {
    await db.query(`UPDATE videos SET finished_at = now() - interval '2 hours' WHERE id = $1`, [id]);
  } finally {
    await db.end();
  }
  await expect
    .poll(async () => ((await (await request.get(`/api/videos/${id}`, { headers: auth })).json()) as { framesPurgedAt: string | null }).framesPurgedAt, {
      timeout: 30_000,
      message: "the worker's sweep purges the frames",
    })
    .toEqual(expect.any(String));

  const output = await request.get(`/api/videos/${id}/output`, { headers: auth });
  expect(output.status()).toBe(200);
  const image = await request.get(`/api/videos/${id}/frames/3/image?kind=original`, { headers: auth });
  expect(image.status()).toBe(404);
  expect(((await image.json()) as { error: { message: string } }).error.message).toMatch(/^The frame images of this video were removed on /);
  const retry = await request.post(`/api/videos/${id}/retry`, { headers: auth, data: { frames: [3] } });
  expect(retry.status()).toBe(409);
  expect(((await retry.json()) as { error: { code: string; message: string } }).error).toMatchObject({
    code: "frames_purged",
    message: expect.stringMatching(/cannot be retried/),
  });

  await signIn(page);
  await page.goto(`/videos/${id}`);
  await expect(page.getByText("Frame images removed")).toBeVisible();
  await expect(page.getByText(/as the retention setting \(FRAME_RETENTION_HOURS\) asks/)).toBeVisible();

  await page.goto("/ops");
  const storage = page.getByTestId("storage");
  await expect(storage.getByRole("heading", { name: "Storage used" })).toBeVisible();
  await expect(storage).toContainText(`Local disk at ${E2E.dataDir}`);
  await expect(storage).toContainText(/Videos\s*[\d.]+ (KB|MB|GB)/);
});
