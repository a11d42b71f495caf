import { env } from "@/lib/env";
import { fileResponse } from "@/lib/http/file-response";
import { withApi } from "@/lib/http/respond";
import { videoId } from "@/lib/pipeline/queries/params";
import { videoPaths } from "@/lib/storage/paths";

export const dynamic = "force-dynamic";

const serve = withApi<{ id: string }>(async (request, { params }) =>
  fileResponse(request, videoPaths(env().DATA_DIR, videoId(params.id)).output, "video/mp4", "This video has no enhanced output yet."),
);
export const GET = serve;
export const HEAD = serve;
