import { pool } from "@/lib/db/client";
import { withApi } from "@/lib/http/respond";
import { search } from "@/lib/search/search";

export const dynamic = "force-dynamic";

export const GET = withApi(async (request) => Response.json(await search(pool(), new URL(request.url).searchParams.get("q") ?? "")));
