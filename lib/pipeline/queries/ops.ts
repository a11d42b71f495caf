import "server-only";
import type { Db } from "@/lib/db/client";
import type { BreakerState } from "@/lib/enhance/admission";
import type { EnhancerLimits } from "@/lib/enhance/limits";
import { readEnhancerState } from "@/lib/enhance/sql/read-enhancer-state";
import type { Queryable } from "@/lib/enhance/sql/transaction";
import { QUEUES } from "@/lib/queue/jobs";
import { fleetThroughput, type TimelinePoint } from "./timeline";

// The ops screen (and /api/metrics): the fleet, the queues, the enhancer's
// limiter and breaker, and throughput. Every read here is lock-free and
// bounded, because dashboards poll it every few seconds while 100 workers
// hammer the same tables.

/** A worker is online when its heartbeat is this recent and it did not say it stopped. */
export const WORKER_ONLINE_SECONDS = 15;
/** Workers listed: the online ones and those seen in the last day, newest first. */
const WORKERS_LISTED = 100;

export interface WorkerView {
  id: string;
  host: string;
  pid: number;
  concurrency: number;
  inFlight: number;
  startedAt: string;
  lastSeenAt: string;
  online: boolean;
}

export async function listWorkers(db: Db): Promise<WorkerView[]> {
  const { rows } = await db.query<{ id: string; host: string; pid: number; concurrency: number; in_flight: number; started_at: Date; last_seen_at: Date; online: boolean }>(
    `SELECT id, host, pid, concurrency, in_flight, started_at, last_seen_at,
            (stopped_at IS NULL AND last_seen_at > now() - make_interval(secs => $1)) AS online
       FROM workers
      WHERE last_seen_at > now() - interval '1 day'
      ORDER BY online DESC, last_seen_at DESC, id
      LIMIT $2`,
    [WORKER_ONLINE_SECONDS, WORKERS_LISTED],
  );
  return rows.map((r) => ({
    id: r.id,
    host: r.host,
    pid: r.pid,
    concurrency: r.concurrency,
    inFlight: r.in_flight,
    startedAt: r.started_at.toISOString(),
    lastSeenAt: r.last_seen_at.toISOString(),
    online: r.online,
  }));
}

export async function countOnlineWorkers(db: Db): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM workers WHERE stopped_at IS NULL AND last_seen_at > now() - make_interval(secs => $1)`,
    [WORKER_ONLINE_SECONDS],
  );
  return rows[0]?.n ?? 0;
}

export interface QueueDepth {
  name: string;
  /** Waiting to be fetched: created or retry (including jobs scheduled for later). */
  queued: number;
  active: number;
}

// A direct count rather than pg-boss's getQueues(): getQueues reports the
// counters its supervisor caches every monitor interval, and the web process
// runs no supervisor. The count reads only live jobs (state < 'completed'),
// which pg-boss's partial index job_i14 (name, state, ...) WHERE <live> covers,
// and only our queues, so it is bounded by the backlog, not by history.
const QUEUE_COUNTS = `
  SELECT q.name,
         count(*) FILTER (WHERE j.state < 'active')::int AS queued,
         count(*) FILTER (WHERE j.state = 'active')::int AS active
    FROM unnest($1::text[]) AS q(name)
    LEFT JOIN pgboss.job j ON j.name = q.name AND j.state < 'completed'
   GROUP BY q.name
   ORDER BY array_position($1::text[], q.name)`;

export async function queueDepths(db: Db): Promise<QueueDepth[]> {
  const names = Object.values(QUEUES);
  try {
    const { rows } = await db.query<QueueDepth>(QUEUE_COUNTS, [names]);
    return rows;
  } catch (error) {
    // No pg-boss schema yet (nothing was ever started against this database):
    // every queue is empty. 3F000 invalid_schema_name, 42P01 undefined_table.
    const code = (error as { code?: string }).code;
    if (code === "3F000" || code === "42P01") return names.map((name) => ({ name, queued: 0, active: 0 }));
    throw error;
  }
}

/** The API spells the breaker's states for people: "half_open" is stored, "half-open" is shown. */
export type BreakerView = "closed" | "half-open" | "open";
const BREAKER_VIEW: Record<BreakerState, BreakerView> = { closed: "closed", half_open: "half-open", open: "open" };

export interface EnhancerView {
  mode: string;
  breaker: { state: BreakerView; windowFailures: number; openedAt: string | null; nextProbeAt: string | null };
  limits: { ratePerSec: number; concurrency: number };
  /** Calls in flight across the fleet, and tokens left in the rate limiter's bucket now. */
  inUse: { permits: number; tokens: number };
}

export interface EnhancerConfig {
  mode: string;
  limits: EnhancerLimits;
}

/** Reads the shared limiter row without locking it; a database that never made a call reads as closed. */
export async function enhancerView(db: Queryable, config: EnhancerConfig): Promise<EnhancerView> {
  const s = await readEnhancerState(db, config.limits);
  return {
    mode: config.mode,
    breaker: {
      state: BREAKER_VIEW[s.breakerState] ?? "closed",
      windowFailures: s.windowFailures,
      openedAt: s.openedAt?.toISOString() ?? null,
      nextProbeAt: s.nextProbeAt?.toISOString() ?? null,
    },
    limits: { ratePerSec: config.limits.ratePerSec, concurrency: config.limits.concurrency },
    inUse: { permits: s.permitsInUse, tokens: Math.floor(s.tokens * 100) / 100 },
  };
}

export interface OpsSnapshot {
  workers: WorkerView[];
  queues: QueueDepth[];
  enhancer: EnhancerView;
  throughput: TimelinePoint[];
}

/** GET /api/ops. The four reads are independent; run them side by side on the pool. */
export async function getOpsSnapshot(db: Queryable, config: EnhancerConfig): Promise<OpsSnapshot> {
  const [workers, queues, enhancer, throughput] = await Promise.all([listWorkers(db), queueDepths(db), enhancerView(db, config), fleetThroughput(db)]);
  return { workers, queues, enhancer, throughput };
}
