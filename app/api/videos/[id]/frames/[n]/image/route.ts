import { pool } from "@/lib/db/client";
import { env } from "@/lib/env";
import { servedFileResponse } from "@/lib/http/file-response";
import { withApi } from "@/lib/http/respond";
import { frameImageFile } from "@/lib/pipeline/queries/video-files";
import { checkedProcessStorage } from "@/lib/storage/open-storage";

export const dynamic = "force-dynamic";

const serve = withApi<{ id: string; n: string }>(async (request, { params }) => {
  const kind = new URL(request.url).searchParams.get("kind");
  const f = await frameImageFile(pool(), params.id, params.n, kind);
  return servedFileResponse(request, await checkedProcessStorage(env()), f);
});
export const GET = serve;
export const HEAD = serve;
