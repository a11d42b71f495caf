import { pool } from "@/lib/db/client";
import { env } from "@/lib/env";
import { withApi } from "@/lib/http/respond";
import { thumbnailsVtt } from "@/lib/pipeline/queries/video-files";

export const dynamic = "force-dynamic";

// Not fileResponse: the cues' sprite references are rewritten to the URL
// that serves the sprite (see thumbnailsVtt); the file is a few KB.
export const GET = withApi<{ id: string }>(async (_request, { params }) =>
  new Response(await thumbnailsVtt(pool(), env().DATA_DIR, params.id), {
    headers: { "Content-Type": "text/vtt; charset=utf-8", "Cache-Control": "private, no-cache" },
  }),
);
