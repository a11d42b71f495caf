// Webhook event types (names are part of the API). Pure.
export const WEBHOOK_EVENTS = ["video.completed", "video.failed", "video.canceled", "frames.failed"] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];

export const WEBHOOK_EVENT_DESCRIPTION: Record<WebhookEventType, string> = {
  "video.completed": "every stage succeeded or was skipped; the output is ready",
  "video.failed": "a stage failed for good",
  "video.canceled": "an operator canceled the video",
  "frames.failed": "the enhance stage finished with failed frames (counts per error group)",
};
