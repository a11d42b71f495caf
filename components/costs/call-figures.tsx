"use client";
// Enhancer calls and what idempotency saved: the figures and one bar chart,
// shared by the video page (one video) and the operations page (all videos).
import { Bar, BarChart, CartesianGrid, Cell, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { UseQueryResult } from "@tanstack/react-query";
import type { CallCosts } from "@/lib/pipeline/queries/costs";
import { messageOf } from "@/lib/client/api";
import { formatCount } from "@/lib/client/format";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { EmptyState, ErrorState } from "@/components/ui/empty-state";
import { Fact } from "@/components/ui/fact";
import { Skeleton } from "@/components/ui/skeleton";

// No currency is configured (ENHANCER_COST_PER_CALL is a plain number), so
// money is a number with enough decimals for fractions of a cent per call.
const moneyFormat = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 4 });
export const formatMoney = (n: number | null) => (n === null ? "—" : moneyFormat.format(n));

const axis = { stroke: "currentColor", tick: { fill: "currentColor", fontSize: 11 }, tickLine: false } as const;

export function CallFigures({ costs, testId }: { costs: CallCosts; testId: string }) {
  const failed = costs.calls - costs.succeeded;
  const rows = [
    { name: "Succeeded", n: costs.succeeded, color: "#22c55e" },
    { name: "Failed", n: failed, color: "#ef4444" },
    { name: "Repeated", n: costs.repeated, color: "#f59e0b" },
    { name: "Saved", n: costs.saved, color: "#6366f1" },
  ];
  return (
    <div className="grid gap-6 lg:grid-cols-2" data-testid={testId}>
      <dl className="grid grid-cols-2 gap-3 text-sm sm:grid-cols-3">
        <Fact label="Calls made" value={formatCount(costs.calls)} />
        <Fact label="Calls succeeded" value={formatCount(costs.succeeded)} />
        <Fact label="Calls repeated" value={formatCount(costs.repeated)} />
        <Fact label="Saved: duplicate deliveries" value={formatCount(costs.skippedDelivered)} />
        <Fact label="Saved: results already written" value={formatCount(costs.skippedRecovered)} />
        <Fact label="Calls saved" value={formatCount(costs.saved)} />
        {costs.costPerCall !== null && (
          <>
            <Fact label="Cost per call" value={formatMoney(costs.costPerCall)} />
            <Fact label="Money spent" value={formatMoney(costs.spent)} />
            <Fact label="Money saved" value={formatMoney(costs.savedMoney)} />
          </>
        )}
      </dl>
      <figure className="chart text-zinc-400 dark:text-zinc-500" aria-label="Enhancer calls: succeeded, failed, repeated and saved">
        <ResponsiveContainer width="100%" height={160}>
          <BarChart data={rows} layout="vertical" margin={{ top: 4, right: 16, left: 8, bottom: 0 }}>
            <CartesianGrid strokeOpacity={0.15} horizontal={false} />
            <XAxis type="number" allowDecimals={false} {...axis} />
            <YAxis type="category" dataKey="name" width={80} {...axis} />
            <Tooltip formatter={(v) => [formatCount(Number(v)), "Calls"]} cursor={{ fillOpacity: 0.1 }} />
            <Bar dataKey="n" radius={[0, 2, 2, 0]} isAnimationActive={false}>
              {rows.map((r) => (
                <Cell key={r.name} fill={r.color} />
              ))}
            </Bar>
          </BarChart>
        </ResponsiveContainer>
      </figure>
    </div>
  );
}

/** The "Cost and calls" card around one query (a video's, or the fleet's). */
export function CallCostsCard({ costs, scope, testId }: { costs: UseQueryResult<CallCosts>; scope: string; testId: string }) {
  const titleId = `${testId}-title`;
  return (
    <Card aria-labelledby={titleId}>
      <CardHeader id={titleId} title="Cost and calls" description={describeCosts(costs.data, scope)} />
      <CardBody>
        {costs.isPending ? (
          <Skeleton className="h-40 w-full" />
        ) : !costs.data ? (
          <ErrorState message={messageOf(costs.error)} onRetry={() => void costs.refetch()} />
        ) : costs.data.calls === 0 && costs.data.saved === 0 ? (
          <EmptyState title="No enhancer calls yet" description="The figures fill in while frames are being enhanced." className="py-8" />
        ) : (
          <CallFigures costs={costs.data} testId={testId} />
        )}
      </CardBody>
    </Card>
  );
}

function describeCosts(costs: CallCosts | undefined, scope: string): string {
  const base = `${scope}. Repeated: a frame sent again (after a failure or a lapsed lease). Saved: frames whose result was already recorded, so no call was made.`;
  if (!costs || costs.costPerCall !== null) return base;
  return `${base} Set ENHANCER_COST_PER_CALL to see money spent and saved.`;
}
