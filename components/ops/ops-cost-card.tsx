"use client";
import { useCallTotals } from "@/lib/client/costs";
import { CallCostsCard } from "@/components/costs/call-figures";

export function OpsCostCard() {
  return <CallCostsCard costs={useCallTotals()} scope="All videos, deleted ones included" testId="ops-costs" />;
}
