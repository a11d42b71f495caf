import { pool } from "@/lib/db/client";
import { env } from "@/lib/env";
import { withApi } from "@/lib/http/respond";
import { thumbnailsVtt } from "@/lib/pipeline/queries/video-files";
import { checkedProcessStorage } from "@/lib/storage/open-storage";

export const dynamic = "force-dynamic";

// Not storedObjectResponse: the cues' sprite references are rewritten to the URL
// that serves the sprite (see thumbnailsVtt); the file is a few KB.
export const GET = withApi<{ id: string }>(async (_request, { params }) =>
  new Response(await thumbnailsVtt(pool(), await checkedProcessStorage(env()), params.id), {
    headers: { "Content-Type": "text/vtt; charset=utf-8", "Cache-Control": "private, no-cache" },
  }),
);
