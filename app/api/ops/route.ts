import { pool } from "@/lib/db/client";
import { limitsFromEnv } from "@/lib/enhance/limits";
import { env } from "@/lib/env";
import { withApi } from "@/lib/http/respond";
import { getOpsSnapshot } from "@/lib/pipeline/queries/ops";
import { checkedProcessStorage } from "@/lib/storage/open-storage";
import { storageUsed } from "@/lib/storage/usage";

export const dynamic = "force-dynamic";

export const GET = withApi(async () => {
  const e = env();
  const [snapshot, storage] = await Promise.all([getOpsSnapshot(pool(), { mode: e.ENHANCER, limits: limitsFromEnv(e) }), checkedProcessStorage(e).then(storageUsed)]);
  return Response.json({ ...snapshot, storage });
});
