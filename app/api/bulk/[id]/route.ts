import { pool } from "@/lib/db/client";
import { withApi } from "@/lib/http/respond";
import { bulkId, getBulkOperation } from "@/lib/bulk/operations";

export const dynamic = "force-dynamic";

export const GET = withApi<{ id: string }>(async (_request, { params }) => Response.json(await getBulkOperation(pool(), bulkId(params.id))), { role: "operator" });
