import "server-only";
import type { Db } from "@/lib/db/client";
import { readTotalCallCounts, readVideoCallCounts, type CallCounts } from "@/lib/pipeline/sql/call-counters";
import { readVideoHeader } from "./video-lookup";

// Cost and calls, per video and overall (issue 12). The counts come from the
// counter rows the frame engine moves (lib/pipeline/sql/call-counters.ts);
// money is priced when read, at today's ENHANCER_COST_PER_CALL, so changing
// the price re-prices history (documented in the README).

export interface CallCosts extends CallCounts {
  /** Calls idempotency saved: skippedDelivered + skippedRecovered. */
  saved: number;
  /** ENHANCER_COST_PER_CALL, or null when it is not set (no money figures then). */
  costPerCall: number | null;
  spent: number | null;
  savedMoney: number | null;
}

// Money is shown to the cent at most, but a price per call can be a fraction
// of a cent: keep 6 decimals so a sum of many calls does not show float noise.
const money = (n: number) => Math.round(n * 1e6) / 1e6;

export function priceCalls(counts: CallCounts, costPerCall: number | undefined): CallCosts {
  const saved = counts.skippedDelivered + counts.skippedRecovered;
  const price = costPerCall ?? null;
  return {
    ...counts,
    saved,
    costPerCall: price,
    spent: price === null ? null : money(counts.calls * price),
    savedMoney: price === null ? null : money(saved * price),
  };
}

/** One video's calls and their cost; "not found" for an unknown id. */
export async function getVideoCosts(db: Db, rawId: string, costPerCall: number | undefined): Promise<CallCosts> {
  const { id } = await readVideoHeader(db, rawId);
  return priceCalls(await readVideoCallCounts(db, id), costPerCall);
}

/** Every video's calls and their cost, deleted videos included. */
export async function getCallCostTotals(db: Db, costPerCall: number | undefined): Promise<CallCosts> {
  return priceCalls(await readTotalCallCounts(db), costPerCall);
}
