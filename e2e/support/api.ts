import type { APIRequestContext } from "@playwright/test";
import { E2E } from "./settings";

export const auth = { Authorization: `Bearer ${E2E.apiToken}` };

/** Polls GET /api/videos/{id} until the video is terminal; returns it. */
export async function waitForVideo(request: APIRequestContext, id: string, timeoutMs = 90_000): Promise<{ status: string; stages: { name: string; status: string }[] }> {
  const deadline = Date.now() + timeoutMs;
  let last: { status: string; stages: { name: string; status: string }[] } | undefined;
  while (Date.now() < deadline) {
    const res = await request.get(`/api/videos/${id}`, { headers: auth });
    last = await res.json();
    if (last && ["completed", "failed", "canceled"].includes(last.status)) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`video ${id} did not finish: ${JSON.stringify(last)}`);
}
