import { withApi } from "@/lib/http/respond";
import { handleUploadRequest } from "@/lib/uploads/tus";

// tus 1.0 resumable uploads (lib/uploads/tus.ts), plus GET /api/uploads/{id}/video.
// Route handlers stream request bodies, so a PATCH goes to disk as it arrives.
export const dynamic = "force-dynamic";
export const runtime = "nodejs";

const handle = withApi<{ path?: string[] }>((request, { params }) => handleUploadRequest(request, params.path ?? []));

export const GET = handle;
export const HEAD = handle;
export const POST = handle;
export const PATCH = handle;
export const DELETE = handle;
export const OPTIONS = handle;
