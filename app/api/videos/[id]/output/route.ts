import { pool } from "@/lib/db/client";
import { env } from "@/lib/env";
import { storedObjectResponse } from "@/lib/http/file-response";
import { withApi } from "@/lib/http/respond";
import { outputFile } from "@/lib/pipeline/queries/video-files";
import { checkedProcessStorage } from "@/lib/storage/open-storage";

export const dynamic = "force-dynamic";

const serve = withApi<{ id: string }>(async (request, { params }) => {
  const f = await outputFile(pool(), params.id);
  return storedObjectResponse(request, await checkedProcessStorage(env()), f.key, f.contentType, f.missing);
});
export const GET = serve;
export const HEAD = serve;
