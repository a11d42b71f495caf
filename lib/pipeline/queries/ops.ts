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
  /** Waiting to be fetched: created or retry (including jobs scheduled for later). For enhance: frames pending. */
  queued: number;
  /** For enhance: frames running (claimed, under a lease). */
  active: number;
}

// Enhance, the queue that holds a job per frame (or per run of frames), is
// read from the enhance stage counters: the pending and running frames of
// the stages now running, which the claim and settle statements keep exact.
// Counting its pg-boss jobs instead read a live job per waiting frame
// (108,000 for one fresh one-hour video) on every poll. The partial index
// video_stages(name) WHERE status = 'running' makes this a read of the
// running videos' rows, not of every video ever processed.
const ENHANCE_COUNTS = `
  SELECT coalesce(sum(pending), 0)::int AS queued, coalesce(sum(running), 0)::int AS active
    FROM video_stages WHERE name = 'enhance' AND status = 'running'`;

// The single-job stages' queues are counted directly rather than through
// pg-boss's getQueues(): getQueues reports the counters its supervisor
// caches every monitor interval, and the web process runs no supervisor.
// Their live jobs are at most one per video in flight, and the count reads
// only those: one index-only range per queue in pg-boss's partial index
// job_i14 (name, state, ...) WHERE state IN (created, retry, active, failed).
// A LATERAL per name, because a join of the names against the job table
// let the planner hash-join a scan of every live job of every queue (the
// enhance queue's 100,000 included: 70 ms at 10 M frames).
const JOB_COUNTS = `
  SELECT q.name, c.queued, c.active
    FROM unnest($1::text[]) WITH ORDINALITY AS q(name, o)
   CROSS JOIN LATERAL (
     SELECT count(*) FILTER (WHERE j.state < 'active')::int AS queued,
            count(*) FILTER (WHERE j.state = 'active')::int AS active
       FROM pgboss.job j
      WHERE j.name = q.name AND j.state IN ('created', 'retry', 'active')
   ) c
   ORDER BY q.o`;

export async function queueDepths(db: Db): Promise<QueueDepth[]> {
  const names = Object.values(QUEUES);
  const videoQueues = names.filter((name) => name !== QUEUES.enhance);
  const [enhance, jobs] = await Promise.all([
    db.query<{ queued: number; active: number }>(ENHANCE_COUNTS),
    db.query<QueueDepth>(JOB_COUNTS, [videoQueues]).then(
      (r) => r.rows,
      (error: { code?: string }) => {
        // No pg-boss schema yet (nothing was ever started against this database):
        // every queue is empty. 3F000 invalid_schema_name, 42P01 undefined_table.
        if (error.code === "3F000" || error.code === "42P01") return videoQueues.map((name) => ({ name, queued: 0, active: 0 }));
        throw error;
      },
    ),
  ]);
  const byName = new Map<string, QueueDepth>(jobs.map((q) => [q.name, q]));
  byName.set(QUEUES.enhance, { name: QUEUES.enhance, ...enhance.rows[0]! });
  return names.map((name) => byName.get(name)!);
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
