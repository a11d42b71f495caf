import { pool } from "@/lib/db/client";
import { env } from "@/lib/env";
import { fileResponse } from "@/lib/http/file-response";
import { withApi } from "@/lib/http/respond";
import { thumbnailFile } from "@/lib/pipeline/queries/video-files";

export const dynamic = "force-dynamic";

// n: 0..N-1, "poster" or "sprite" (checked against that list; never used as a path).
const serve = withApi<{ id: string; n: string }>(async (request, { params }) => {
  const f = await thumbnailFile(pool(), env().DATA_DIR, params.id, params.n);
  return fileResponse(request, f.file, f.contentType, f.missing);
});
export const GET = serve;
export const HEAD = serve;
