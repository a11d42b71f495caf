import { pool } from "@/lib/db/client";
import { env } from "@/lib/env";
import { storedObjectResponse } from "@/lib/http/file-response";
import { withApi } from "@/lib/http/respond";
import { thumbnailFile } from "@/lib/pipeline/queries/video-files";
import { checkedProcessStorage } from "@/lib/storage/open-storage";

export const dynamic = "force-dynamic";

// n: 0..N-1, "poster" or "sprite" (checked against that list; never used as a key).
const serve = withApi<{ id: string; n: string }>(async (request, { params }) => {
  const f = await thumbnailFile(pool(), params.id, params.n);
  return storedObjectResponse(request, await checkedProcessStorage(env()), f.key, f.contentType, f.missing);
});
export const GET = serve;
export const HEAD = serve;
