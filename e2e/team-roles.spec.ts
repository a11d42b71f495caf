import { expect, test, type APIRequestContext } from "@playwright/test";
import { makeClip } from "@/test/support/clips";
import { waitForVideo } from "./support/api";
import { saveScreenshot } from "./support/screenshots";
import { clipPath, listFrames, uniqueTitle, uploadVideo } from "./support/seed";
import { configureFakeEnhancer, resetFakeEnhancer } from "./support/settings";
import { signIn } from "./support/sign-in";
import { createTestUser } from "./support/team";

// Roles as a person meets them in the browser: what each sees, what the API
// lets them do, and what the audit trail says afterwards.
const FAILING = [2, 5];

test.beforeEach(resetFakeEnhancer);
test.afterEach(resetFakeEnhancer);

/** A 10-frame video whose enhance stage failed on FAILING (422: not retryable). */
async function videoWithFailedFrames(request: APIRequestContext, prefix: string): Promise<string> {
  await configureFakeEnhancer({ failFrames: FAILING, failStatus: 422 });
  const title = uniqueTitle(prefix);
  const clip = await makeClip({ path: clipPath(title), seconds: 1, fps: 10, width: 160, height: 120, audio: false });
  const id = await uploadVideo(request, clip, title);
  expect((await waitForVideo(request, id)).status).toBe("failed");
  expect((await listFrames(request, id, "failed")).map((f) => f.index)).toEqual(FAILING);
  await resetFakeEnhancer();
  return id;
}

test("a viewer sees every page but no action button, and the API refuses their writes with 403", async ({ page, request }) => {
  const viewer = await createTestUser(request, "viewer");
  const id = await videoWithFailedFrames(request, "viewer");
  await signIn(page, viewer);
  await expect(page.getByTestId("current-user")).toHaveAttribute("data-role", "viewer");

  // The list: no upload. The nav: no admin pages, no tokens.
  await expect(page.getByRole("heading", { name: "Videos" })).toBeVisible();
  await expect(page.getByTestId("upload-dropzone")).toHaveCount(0);
  await expect(page.getByTestId("video-row").first()).toBeVisible();
  await expect(page.getByTestId("bulk-bar")).toHaveCount(0);
  await expect(page.getByRole("checkbox", { name: /^Select / })).toHaveCount(0);
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: "Operations" })).toBeVisible();
  for (const hidden of ["Users", "Audit", "API tokens"]) await expect(nav.getByRole("link", { name: hidden })).toHaveCount(0);

  // The video page: everything to read, nothing to press.
  await page.goto(`/videos/${id}`);
  await expect(page.getByRole("link", { name: /Failed frames \(2\)/ })).toBeVisible();
  await expect(page.getByRole("group", { name: "Video actions" })).toHaveCount(0);
  for (const name of [/^Retry/, "Delete", "Cancel", "Encode anyway"]) await expect(page.getByRole("button", { name })).toHaveCount(0);

  // The failed frames: the table and groups are there, the retry buttons are not.
  await page.goto(`/videos/${id}/frames`);
  await expect(page.getByTestId("failed-frame-row")).toHaveCount(2);
  await expect(page.getByTestId("error-group")).toHaveCount(1);
  await expect(page.getByRole("button", { name: /Retry/ })).toHaveCount(0);
  await saveScreenshot(page, "viewer-failed-frames");

  // An admin page says why it is closed.
  await page.goto("/users");
  await expect(page.getByText("This page is for the admin role")).toBeVisible();

  // The API, with the viewer's own session cookie: 403 and the error shape.
  for (const [method, path, data] of [
    ["POST", `/api/videos/${id}/retry`, { status: "failed" }],
    ["POST", `/api/videos/${id}/cancel`, undefined],
    ["DELETE", `/api/videos/${id}`, undefined],
    ["POST", "/api/tokens", { name: "mine", role: "viewer" }],
  ] as const) {
    const res = await page.request.fetch(path, { method, data });
    expect(res.status(), `${method} ${path}`).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("forbidden");
  }
  expect((await page.request.get(`/api/videos/${id}`)).status()).toBe(200);
  expect((await listFrames(request, id, "failed")).map((f) => f.index)).toEqual(FAILING);
});

test("an operator's retry is in the video's history and on the admin's audit page", async ({ page, request, browser }) => {
  const operator = await createTestUser(request, "operator");
  const id = await videoWithFailedFrames(request, "audited");
  await signIn(page, operator);
  await page.goto(`/videos/${id}/frames`);
  const group = page.getByTestId("error-group");
  await group.getByRole("button", { name: "Retry this group" }).click();
  await page.getByTestId("confirm-dialog").getByRole("button", { name: /Re-queue|Retry/ }).click();
  // The retry is in once the page says so; only then is "terminal" the retried run's end.
  await expect(page.getByText("2 frames re-queued")).toBeVisible();
  expect((await waitForVideo(request, id)).status).toBe("completed");

  await page.goto(`/videos/${id}`);
  const history = page.getByRole("region", { name: "History" });
  await expect(history.getByTestId("audit-row").filter({ hasText: `${operator.email} retried 2 frames in group HTTP 422` })).toHaveCount(1);
  await expect(history.getByTestId("audit-row").filter({ hasText: "API_TOKEN uploaded" })).toHaveCount(1);
  await saveScreenshot(page, "video-history");

  const admin = await browser.newPage();
  await signIn(admin);
  await admin.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit" }).click();
  await admin.getByLabel("Actor").fill(operator.email);
  await admin.getByLabel("Actor").press("Enter");
  const rows = admin.getByTestId("audit-row");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute("data-action", "video.retry");
  await expect(rows.first().getByRole("link", { name: `video ${id.slice(0, 8)}` })).toBeVisible();
  await saveScreenshot(admin, "audit");
  await admin.close();
});

test("an admin adds a user who signs in; disabling them ends their session at once", async ({ page, browser }) => {
  const email = `${uniqueTitle("added")}@example.com`.toLowerCase();
  await signIn(page);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users" }).click();
  const form = page.getByRole("region", { name: "Add a user" });
  await form.getByLabel("Email").fill(email);
  await form.getByLabel("Role").selectOption("operator");
  await form.getByRole("button", { name: "Add user" }).click();
  // No password typed: one was generated and is shown once.
  const password = (await page.getByTestId("secret-value").textContent())!.trim();
  expect(password).toMatch(/^[A-Za-z0-9]{20}$/);
  const row = page.getByTestId("user-row").and(page.locator(`[data-email="${email}"]`));
  await expect(row).toContainText("Active");
  await saveScreenshot(page, "users");

  const other = await browser.newContext();
  const theirs = await other.newPage();
  await signIn(theirs, { email, password });
  await expect(theirs.getByTestId("current-user")).toHaveAttribute("data-role", "operator");
  expect((await theirs.request.get("/api/videos")).status()).toBe(200);

  await row.getByRole("button", { name: "Disable" }).click();
  await page.getByTestId("confirm-dialog").getByRole("button", { name: "Disable" }).click();
  await expect(row).toContainText("Disabled");

  expect((await theirs.request.get("/api/videos")).status()).toBe(401);
  await theirs.reload();
  await expect(theirs).toHaveURL(/\/login/);
  await other.close();
});

test("an operator's API token is shown once, works with its role, records its use, and stops working when revoked", async ({ page, request }) => {
  const operator = await createTestUser(request, "operator");
  await signIn(page, operator);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "API tokens" }).click();
  // An operator cannot mint an admin token.
  await expect(page.getByLabel("Role").locator("option")).toHaveText(["Operator", "Viewer"]);
  await page.getByLabel("Name").fill("nightly-report");
  await page.getByLabel("Role").selectOption("viewer");
  await page.getByRole("button", { name: "Create token" }).click();
  const token = (await page.getByTestId("secret-value").textContent())!.trim();
  expect(token).toMatch(/^fwt_/);
  const row = page.getByTestId("token-row").and(page.locator('[data-name="nightly-report"]'));
  await expect(row).toContainText("never");
  await page.getByRole("button", { name: "Done" }).click();
  await expect(page.getByTestId("secret-value")).toHaveCount(0);

  const bearer = { Authorization: `Bearer ${token}` };
  expect((await request.get("/api/videos", { headers: bearer })).status()).toBe(200);
  const write = await request.post("/api/videos/00000000-0000-4000-8000-000000000000/cancel", { headers: bearer });
  expect(write.status()).toBe(403);

  await page.reload();
  await expect(row).not.toContainText("never");
  await row.getByRole("button", { name: "Revoke" }).click();
  await page.getByTestId("confirm-dialog").getByRole("button", { name: "Revoke token" }).click();
  await expect(row).toContainText("Revoked");
  expect((await request.get("/api/videos", { headers: bearer })).status()).toBe(401);
});
