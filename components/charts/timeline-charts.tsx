"use client";
// Throughput and failures over time from 10-second buckets
// ({t, succeeded, failed}), shared by the video page and the ops page.
import { Area, AreaChart, Bar, BarChart, CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { ReactElement } from "react";
import type { TimelinePoint } from "@/lib/client/types";

const BUCKET_SEC = 10;
const HEIGHT = 180;

const timeLabel = (iso: string) => new Date(iso).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
const fullTime = (iso: unknown) => new Date(String(iso)).toLocaleTimeString();

interface Row {
  t: string;
  fps: number;
  failed: number;
  errorRate: number | null;
}

/**
 * Drops the idle buckets before the first activity (keeping one, and at least
 * MIN_POINTS in all), so a 2-minute job is not a spike at the end of an hour.
 */
const MIN_POINTS = 12;
function trimIdle(points: TimelinePoint[]): TimelinePoint[] {
  const first = points.findIndex((p) => p.succeeded > 0 || p.failed > 0);
  if (first < 0) return points;
  return points.slice(Math.max(0, Math.min(first - 1, points.length - MIN_POINTS)));
}

function rowsFrom(points: TimelinePoint[]): Row[] {
  return trimIdle(points).map((p) => {
    const done = p.succeeded + p.failed;
    return {
      t: p.t,
      fps: Math.round((p.succeeded / BUCKET_SEC) * 10) / 10,
      failed: p.failed,
      errorRate: done > 0 ? Math.round((p.failed / done) * 1000) / 10 : null,
    };
  });
}

const axis = { stroke: "currentColor", tick: { fill: "currentColor", fontSize: 11 }, tickLine: false } as const;

function Frame({ label, children }: { label: string; children: ReactElement }) {
  return (
    <figure className="chart text-zinc-400 dark:text-zinc-500" aria-label={label}>
      <ResponsiveContainer width="100%" height={HEIGHT}>
        {children}
      </ResponsiveContainer>
    </figure>
  );
}

export function ThroughputChart({ points }: { points: TimelinePoint[] }) {
  return (
    <Frame label="Enhanced frames per second over time">
      <AreaChart data={rowsFrom(points)} margin={{ top: 8, right: 8, left: -16, bottom: 0 }}>
        <defs>
          <linearGradient id="fps-fill" x1="0" y1="0" x2="0" y2="1">
            <stop offset="0%" stopColor="#6366f1" stopOpacity={0.35} />
            <stop offset="100%" stopColor="#6366f1" stopOpacity={0} />
          </linearGradient>
        </defs>
        <CartesianGrid strokeOpacity={0.15} vertical={false} />
        <XAxis dataKey="t" tickFormatter={timeLabel} minTickGap={40} {...axis} />
        <YAxis allowDecimals={false} width={48} {...axis} />
        <Tooltip labelFormatter={fullTime} formatter={(v) => [`${v} frames/s`, "Throughput"]} />
        <Area type="monotone" dataKey="fps" stroke="#6366f1" strokeWidth={2} fill="url(#fps-fill)" isAnimationActive={false} />
      </AreaChart>
    </Frame>
  );
}

export function FailuresChart({ points }: { points: TimelinePoint[] }) {
  return (
    <Frame label="Failed frames per 10 seconds over time">
      <BarChart data={rowsFrom(points)} margin={{ top: 8, right: 8, left: -16, bottom: 0 }}>
        <CartesianGrid strokeOpacity={0.15} vertical={false} />
        <XAxis dataKey="t" tickFormatter={timeLabel} minTickGap={40} {...axis} />
        <YAxis allowDecimals={false} width={48} {...axis} />
        <Tooltip labelFormatter={fullTime} formatter={(v) => [`${v} failed`, "Per 10 s"]} cursor={{ fillOpacity: 0.1 }} />
        <Bar dataKey="failed" fill="#ef4444" radius={[2, 2, 0, 0]} isAnimationActive={false} />
      </BarChart>
    </Frame>
  );
}

export function ErrorRateChart({ points }: { points: TimelinePoint[] }) {
  return (
    <Frame label="Error rate over time">
      <LineChart data={rowsFrom(points)} margin={{ top: 8, right: 8, left: -16, bottom: 0 }}>
        <CartesianGrid strokeOpacity={0.15} vertical={false} />
        <XAxis dataKey="t" tickFormatter={timeLabel} minTickGap={40} {...axis} />
        <YAxis domain={[0, 100]} tickFormatter={(v) => `${v}%`} width={56} {...axis} />
        <Tooltip labelFormatter={fullTime} formatter={(v) => [`${v}%`, "Error rate"]} />
        <Line type="monotone" dataKey="errorRate" stroke="#ef4444" strokeWidth={2} dot={false} connectNulls isAnimationActive={false} />
      </LineChart>
    </Frame>
  );
}

export const hasActivity = (points: TimelinePoint[] | undefined) =>
  !!points?.some((p) => p.succeeded > 0 || p.failed > 0);
