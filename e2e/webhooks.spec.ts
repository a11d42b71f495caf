import { expect, test } from "@playwright/test";
import { makeClip } from "@/test/support/clips";
import { startWebhookReceiver } from "@/test/support/webhook-receiver";
import { auth, waitForVideo } from "./support/api";
import { saveScreenshot } from "./support/screenshots";
import { clipPath, uniqueTitle, uploadVideo } from "./support/seed";
import { signIn } from "./support/sign-in";

// A platform's service learns that a video is done without polling: a
// receiver on loopback (the server runs with WEBHOOK_ALLOW_PRIVATE=1), which
// verifies every signature with the standardwebhooks package and refuses
// the first delivery.
test("a receiver gets one verifiable signed video.completed per event id, even when it refused the first delivery; the admin sees the delivery and can redeliver it", async ({ page, request }) => {
  const receiver = await startWebhookReceiver({ answer: (n) => (n === 0 ? 503 : 200) });
  try {
    await signIn(page);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Webhooks" }).click();
    await page.getByLabel("URL").fill(receiver.url);
    // Only video.completed: uncheck the other default.
    await page.getByRole("checkbox", { name: /video\.failed/ }).uncheck();
    await page.getByRole("button", { name: "Add endpoint" }).click();
    const secret = (await page.getByTestId("secret-value").textContent())!.trim();
    expect(secret).toMatch(/^whsec_/);
    receiver.setSecret(secret);

    const title = uniqueTitle("hooked");
    const clip = await makeClip({ path: clipPath(title), seconds: 1, fps: 8, width: 160, height: 120, audio: false });
    const videoId = await uploadVideo(request, clip, title);
    expect((await waitForVideo(request, videoId)).status).toBe("completed");

    // The first delivery is refused (503); the retry ~5 s later is accepted.
    await receiver.waitFor(() => receiver.accepted.size === 1);
    const forVideo = receiver.received.filter((r) => JSON.parse(r.body).data.videoId === videoId);
    expect(forVideo.map((r) => r.status)).toEqual([503, 200]);
    expect(forVideo.every((r) => r.verified)).toBe(true);
    expect(new Set(forVideo.map((r) => r.id)).size).toBe(1);
    const eventId = forVideo[0]!.id;
    expect(receiver.accepted.get(eventId)).toBe(1);
    expect(JSON.parse(forVideo[1]!.body)).toMatchObject({ type: "video.completed", data: { videoId, status: "completed" } });

    // The endpoint's page: delivered on the second attempt.
    await page.getByRole("link", { name: receiver.url }).click();
    const row = page.getByTestId("delivery-row").and(page.locator(`[data-event-id="${eventId}"]`));
    await expect(row).toHaveAttribute("data-status", "succeeded");
    await expect(row.getByTestId("delivery-attempts")).toHaveText("2");
    await expect(row.getByTestId("delivery-code")).toHaveText("200");
    await saveScreenshot(page, "webhook-deliveries");

    // Redeliver: the same event id once more (a receiver that dedupes skips it).
    await row.getByRole("button", { name: "Redeliver" }).click();
    await receiver.waitFor(() => receiver.accepted.get(eventId) === 2);
    expect(receiver.received.filter((r) => r.id === eventId)).toHaveLength(3);
    await expect(row.getByTestId("delivery-attempts")).toHaveText("3");

    // No other video.completed event was sent for this video.
    const ids = new Set(receiver.received.filter((r) => JSON.parse(r.body).data.videoId === videoId).map((r) => r.id));
    expect([...ids]).toEqual([eventId]);

    // The API gives the same picture.
    const webhooks = (await (await request.get("/api/webhooks", { headers: auth })).json()) as { webhooks: { id: string; url: string }[] };
    const endpoint = webhooks.webhooks.find((w) => w.url === receiver.url)!;
    const listed = (await (await request.get(`/api/webhooks/${endpoint.id}/deliveries`, { headers: auth })).json()) as { deliveries: { eventId: string; status: string; attempts: number }[] };
    expect(listed.deliveries.find((d) => d.eventId === eventId)).toMatchObject({ status: "succeeded", attempts: 3 });
    expect((await request.delete(`/api/webhooks/${endpoint.id}`, { headers: auth })).status()).toBe(204);
  } finally {
    await receiver.close();
  }
});

test("an endpoint URL that is not http(s) is refused with the error shape", async ({ request }) => {
  // The private-address refusal itself is covered where WEBHOOK_ALLOW_PRIVATE is off (lib/webhooks/*.test.ts).
  const res = await request.post("/api/webhooks", { headers: auth, data: { url: "ftp://example.com/hook", events: ["video.completed"] } });
  expect(res.status()).toBe(400);
  expect(((await res.json()) as { error: { code: string } }).error.code).toBe("webhook_url_refused");
});
