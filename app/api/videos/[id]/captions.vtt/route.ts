import { pool } from "@/lib/db/client";
import { env } from "@/lib/env";
import { fileResponse } from "@/lib/http/file-response";
import { withApi } from "@/lib/http/respond";
import { captionsFile } from "@/lib/pipeline/queries/video-files";

export const dynamic = "force-dynamic";

const serve = withApi<{ id: string }>(async (request, { params }) => {
  const f = await captionsFile(pool(), env().DATA_DIR, params.id);
  return fileResponse(request, f.file, f.contentType, f.missing);
});
export const GET = serve;
export const HEAD = serve;
