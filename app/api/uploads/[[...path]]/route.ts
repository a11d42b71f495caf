import { withApi } from "@/lib/http/respond";
import { actorOf, recordAudit } from "@/lib/audit/record";
import { pool } from "@/lib/db/client";
import { handleUploadRequest } from "@/lib/uploads/tus";

// tus 1.0 resumable uploads (lib/uploads/tus.ts), plus GET /api/uploads/{id}/video.
// Route handlers stream request bodies, so a PATCH goes to disk as it arrives.
export const dynamic = "force-dynamic";
export const runtime = "nodejs";

const handle = withApi<{ path?: string[] }>(async (request, { params, principal }) => {
  const response = await handleUploadRequest(request, params.path ?? []);
  // The request that completes an upload answers with the new video's id: that is the upload to record.
  const videoId = response.headers.get("Video-Id");
  if (videoId) await recordAudit(pool(), actorOf(principal, request), { action: "video.upload", videoId, detail: { via: "tus" } }).catch((e) => console.error("[audit] could not record:", e));
  return response;
});

export const GET = handle;
export const HEAD = handle;
export const POST = handle;
export const PATCH = handle;
export const DELETE = handle;
export const OPTIONS = handle;
