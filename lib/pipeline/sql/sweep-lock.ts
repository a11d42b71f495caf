import "server-only";
import type { Db } from "@/lib/db/client";

// Any constant; the same in every worker, so one sweep runs at a time fleet-wide.
const SWEEP_LOCK_KEY = 72_261_002;

/** True when this transaction now holds the sweep lock (released when it ends); false when another worker is sweeping. */
export async function tryTakeSweepLock(tx: Db): Promise<boolean> {
  const { rows } = await tx.query<{ locked: boolean }>(`SELECT pg_try_advisory_xact_lock($1) AS locked`, [SWEEP_LOCK_KEY]);
  return rows[0]?.locked ?? false;
}
