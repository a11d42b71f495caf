// `npm run bench:dashboard`: every API route a dashboard page loads or polls,
// timed at 10,036,000 frame execution rows (issue 11, target p95 < 50 ms).
//
// Database: BENCH_DATABASE_URL, else `framewise_dashboard_bench` on the
// system PostgreSQL (postgres://postgres@127.0.0.1:5432). A database already
// seeded (and seeded less than SEED_MAX_AGE_HOURS ago, so the running video's
// last minutes are still recent) is reused; `--reseed` drops and seeds it
// again (about 2-3 minutes here). Migrations are applied either way.
//
// The requests go through the real route handlers (the app/api/**/route.ts
// modules, called with real Request objects and a bearer token, as the
// app/api tests call them), not through an HTTP server: what is measured is
// the handler, its queries and JSON, without Next's router. Each endpoint:
// 3 warm-up requests, then 30 sequential ones; p50 and p95 of those.
// Also: the CPU (this process + its PostgreSQL backends) of one Operations
// tab poll cycle (GET /api/ops, what the tab fetches every 2 s).
//
// `--compare` also times the fleet-throughput query as it was before the
// counters (3 runs), for a same-run ratio.
//
// The last line is one JSON object: {"rows", "endpoints": {name: {p50, p95}}, "maxP95", "targetP95", "opsPollCpuMs", "fleetFromRowsMs", "loadavg"}.
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { migrate } from "../lib/db/migrate";
import { SEED_ROWS, seedDashboard, type SeededVideos } from "./dashboard-seed";

const TARGET_P95_MS = 50;
const REQUESTS = 30;
const WARMUP = 3;
const SEED_MAX_AGE_HOURS = 6;
const TOKEN = "bench-dashboard-token-0123456789";

const url = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/framewise_dashboard_bench";
const reseed = process.argv.includes("--reseed");

const SEED_TABLE = `CREATE TABLE IF NOT EXISTS bench_dashboard_seed (seeded_at timestamptz NOT NULL, rows bigint NOT NULL, videos jsonb NOT NULL)`;

/** The seeded data set when the database holds a recent one; null when it must be seeded. */
async function reusableSeed(): Promise<SeededVideos | null> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    await db.query(SEED_TABLE);
    const { rows } = await db.query<{ videos: SeededVideos; age_hours: number; rows: string }>(
      `SELECT videos, extract(epoch FROM now() - seeded_at)::float8 / 3600 AS age_hours, rows FROM bench_dashboard_seed`,
    );
    const seeded = rows[0];
    if (!seeded) return null;
    if (seeded.age_hours >= SEED_MAX_AGE_HOURS || Number(seeded.rows) !== SEED_ROWS) {
      console.log(`the data set is ${seeded.age_hours.toFixed(1)} h old (or of another size): seeding again`);
      return null;
    }
    console.log(`reusing the data set seeded ${seeded.age_hours.toFixed(1)} h ago (--reseed to seed again)`);
    return seeded.videos;
  } finally {
    await db.end();
  }
}

async function prepareDatabase(): Promise<SeededVideos> {
  const dbName = new URL(url).pathname.slice(1);
  const admin = new pg.Client({ connectionString: url.replace(/\/[^/]*$/, "/postgres") });
  await admin.connect();
  try {
    const exists = (await admin.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [dbName])).rowCount === 1;
    if (exists && !reseed) {
      await migrate(url);
      const seeded = await reusableSeed();
      if (seeded) return seeded;
    }
    if (exists) await admin.query(`DROP DATABASE ${pg.escapeIdentifier(dbName)} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(dbName)}`);
  } finally {
    await admin.end();
  }
  await migrate(url);
  return seedFresh();
}

async function seedFresh(): Promise<SeededVideos> {
  const db = new pg.Pool({ connectionString: url, max: 2 });
  try {
    console.log(`seeding ${SEED_ROWS.toLocaleString("en-US")} execution rows`);
    const t = Date.now();
    const videos = await seedDashboard(db, url, (line) => console.log(line));
    console.log(`seeded in ${((Date.now() - t) / 1000).toFixed(0)} s; VACUUM ANALYZE`);
    const tv = Date.now();
    await db.query(`VACUUM ANALYZE`);
    console.log(`VACUUM ANALYZE took ${((Date.now() - tv) / 1000).toFixed(0)} s`);
    await db.query(SEED_TABLE);
    await db.query(`INSERT INTO bench_dashboard_seed VALUES (now(), $1, $2)`, [SEED_ROWS, JSON.stringify(videos)]);
    return videos;
  } finally {
    await db.end();
  }
}

// --compare: the fleet-throughput query as it was before the counters (it
// counted frame rows by finished_at, reached through a CTE-bounded join the
// planner turned into a scan of every frame), timed in the same run, so the
// gain is a ratio on the same machine and load rather than against a figure
// from another day.
const FLEET_FROM_ROWS = `
  WITH w AS (
    SELECT date_bin(interval '60 seconds', now(), 'epoch') AS hi,
           date_bin(interval '60 seconds', now(), 'epoch') - interval '59 minutes' AS lo
  ), scope AS (
    SELECT v.id FROM videos v, w WHERE v.finished_at IS NULL OR v.finished_at >= w.lo
  ), ok AS (
    SELECT date_bin(interval '60 seconds', f.finished_at, 'epoch') AS t, count(*)::int AS n
      FROM scope s JOIN frame_executions f ON f.video_id = s.id AND f.status = 'succeeded' CROSS JOIN w
     WHERE f.finished_at >= w.lo AND f.output_kind IS DISTINCT FROM 'original'
     GROUP BY 1
  ), bad AS (
    SELECT date_bin(interval '60 seconds', a.finished_at, 'epoch') AS t, count(*)::int AS n
      FROM scope s JOIN frame_attempts a ON a.video_id = s.id CROSS JOIN w
     WHERE a.finished_at >= w.lo
     GROUP BY 1
  )
  SELECT b.t, coalesce(ok.n, 0) AS succeeded, coalesce(bad.n, 0) AS failed
    FROM w, generate_series(w.lo, w.hi, interval '60 seconds') AS b(t)
    LEFT JOIN ok ON ok.t = b.t LEFT JOIN bad ON bad.t = b.t
   ORDER BY b.t`;

async function timeFleetFromRows(db: pg.Pool, runs: number): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await db.query(FLEET_FROM_ROWS);
    ms.push(round(performance.now() - t));
  }
  return ms;
}

type Handler = (request: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

interface Endpoint {
  name: string;
  /** The route file under app/api. */
  file: string;
  params?: Record<string, string>;
  /** Path and query as a browser sends it. */
  path: string;
}

async function endpoints(v: SeededVideos, db: pg.Pool): Promise<Endpoint[]> {
  const get = async (file: string, params: Record<string, string>, p: string) => {
    const response = await call({ name: p, file, params, path: p });
    return (await response.json()) as Record<string, unknown>;
  };
  // The second page of each frames listing starts where the first one's cursor says.
  const cursor = async (id: string, query: string) => {
    const page = await get("videos/[id]/frames", { id }, `/api/videos/${id}/frames${query}`);
    return page.nextCursor as string;
  };
  const { rows } = await db.query<{ frame_index: number }>(`SELECT frame_index FROM frame_executions WHERE video_id = $1 AND status = 'failed' LIMIT 1`, [v.failed]);
  const failedFrame = String(rows[0]!.frame_index);
  const list = await get("videos", {}, "/api/videos?limit=25");
  const e = (name: string, file: string, p: string, params?: Record<string, string>): Endpoint => ({ name, file, path: p, params });
  return [
    e("videos list", "videos", "/api/videos?limit=25"),
    e("videos list, page 2", "videos", `/api/videos?limit=25&cursor=${list.nextCursor as string}`),
    e("videos list, status=processing", "videos", "/api/videos?status=processing"),
    e("video view (running)", "videos/[id]", `/api/videos/${v.running}`, { id: v.running }),
    e("video view (completed)", "videos/[id]", `/api/videos/${v.old}`, { id: v.old }),
    e("frames (running)", "videos/[id]/frames", `/api/videos/${v.running}/frames`, { id: v.running }),
    e("frames, page 2 (running)", "videos/[id]/frames", `/api/videos/${v.running}/frames?cursor=${await cursor(v.running, "")}`, { id: v.running }),
    e("failed frames", "videos/[id]/frames", `/api/videos/${v.failed}/frames?status=failed&limit=50`, { id: v.failed }),
    e("failed frames, page 2", "videos/[id]/frames", `/api/videos/${v.failed}/frames?status=failed&limit=50&cursor=${await cursor(v.failed, "?status=failed&limit=50")}`, { id: v.failed }),
    e("failed frames by attempts", "videos/[id]/frames", `/api/videos/${v.failed}/frames?status=failed&limit=50&sort=attempts`, { id: v.failed }),
    e("failed frames by updated", "videos/[id]/frames", `/api/videos/${v.failed}/frames?status=failed&limit=50&sort=updated`, { id: v.failed }),
    e("failed frames (running video)", "videos/[id]/frames", `/api/videos/${v.running}/frames?status=failed&limit=50`, { id: v.running }),
    e("frame detail", "videos/[id]/frames/[n]", `/api/videos/${v.failed}/frames/${failedFrame}`, { id: v.failed, n: failedFrame }),
    e("error groups", "videos/[id]/error-groups", `/api/videos/${v.failed}/error-groups`, { id: v.failed }),
    e("frame map (running)", "videos/[id]/frame-map", `/api/videos/${v.running}/frame-map`, { id: v.running }),
    e("frame map (failed)", "videos/[id]/frame-map", `/api/videos/${v.failed}/frame-map`, { id: v.failed }),
    e("frame map (completed)", "videos/[id]/frame-map", `/api/videos/${v.old}/frame-map`, { id: v.old }),
    e("timeline (running)", "videos/[id]/timeline", `/api/videos/${v.running}/timeline`, { id: v.running }),
    e("timeline 24 h (recent)", "videos/[id]/timeline", `/api/videos/${v.recent}/timeline?minutes=1440`, { id: v.recent }),
    e("timeline (finished days ago)", "videos/[id]/timeline", `/api/videos/${v.old}/timeline`, { id: v.old }),
    e("video costs", "videos/[id]/costs", `/api/videos/${v.running}/costs`, { id: v.running }),
    e("ops", "ops", "/api/ops"),
    e("metrics", "metrics", "/api/metrics"),
    e("costs", "costs", "/api/costs"),
    e("failures", "failures", "/api/failures"),
    e("search (title)", "search", "/api/search?q=Keynote"),
    e("search (error text)", "search", "/api/search?q=unavailable"),
    e("search (frame)", "search", `/api/search?q=${v.running.slice(0, 8)}%201200`),
    e("audit", "audit", "/api/audit"),
    e("audit (one video)", "audit", `/api/audit?videoId=${v.running}`),
  ];
}

const routes = new Map<string, Record<string, Handler>>();
async function call(endpoint: Endpoint): Promise<Response> {
  let mod = routes.get(endpoint.file);
  if (!mod) {
    mod = (await import(path.join(process.cwd(), "app", "api", endpoint.file, "route.ts"))) as Record<string, Handler>;
    routes.set(endpoint.file, mod);
  }
  const request = new Request(`http://localhost${endpoint.path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  const response = await mod.GET!(request, { params: Promise.resolve(endpoint.params ?? {}) });
  if (response.status !== 200) throw new Error(`${endpoint.name}: ${endpoint.path} answered ${response.status}: ${await response.text()}`);
  return response;
}

async function time(endpoint: Endpoint): Promise<{ p50: number; p95: number }> {
  for (let i = 0; i < WARMUP; i++) await (await call(endpoint)).arrayBuffer();
  const ms: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const t = performance.now();
    await (await call(endpoint)).arrayBuffer();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  const at = (q: number) => ms[Math.min(ms.length - 1, Math.ceil(q * ms.length) - 1)]!;
  return { p50: round(at(0.5)), p95: round(at(0.95)) };
}

const round = (n: number) => Math.round(n * 10) / 10;

/** utime + stime of a process, in ms (clock ticks of 10 ms on Linux). */
function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** CPU of N GET /api/ops (this process and the database backends it used), per request. */
async function opsPollCpu(db: pg.Pool, ops: Endpoint, polls: number): Promise<{ node: number; postgres: number }> {
  const backends = async () => (await db.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`)).rows.map((r) => r.pid);
  const pgCpu = (pids: number[]) => pids.reduce((sum, pid) => sum + (() => { try { return processCpuMs(pid); } catch { return 0; } })(), 0);
  const pids = await backends();
  const pg0 = pgCpu(pids);
  const node0 = process.cpuUsage();
  for (let i = 0; i < polls; i++) await (await call(ops)).arrayBuffer();
  const node1 = process.cpuUsage(node0);
  const pg1 = pgCpu(pids);
  return { node: round((node1.user + node1.system) / 1000 / polls), postgres: round((pg1 - pg0) / polls) };
}

async function main() {
  const videos = await prepareDatabase();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "framewise-dashboard-bench-"));
  // lib/env.ts reads the environment once, on first use: set before any route loads.
  Object.assign(process.env, { DATABASE_URL: url, API_TOKEN: TOKEN, DATA_DIR: dataDir, ENHANCER: "local" });
  const db = new pg.Pool({ connectionString: url, max: 1 });
  try {
    const { rows } = await db.query<{ n: string }>(`SELECT reltuples::bigint AS n FROM pg_class WHERE relname = 'frame_executions'`);
    const rowsNow = Number(rows[0]!.n);
    console.log(`frame_executions: ~${rowsNow.toLocaleString("en-US")} rows; load average ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
    // BENCH_ONLY=<regex>: time only the endpoints whose name matches (while working on one).
    const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY, "i") : null;
    const list = (await endpoints(videos, db)).filter((e) => !only || only.test(e.name) || e.name === "ops");
    const results: Record<string, { p50: number; p95: number }> = {};
    console.log(`\n${"endpoint".padEnd(34)} ${"p50 ms".padStart(8)} ${"p95 ms".padStart(8)}   target p95 < ${TARGET_P95_MS} ms`);
    for (const endpoint of list) {
      const r = await time(endpoint);
      results[endpoint.name] = r;
      console.log(`${endpoint.name.padEnd(34)} ${r.p50.toFixed(1).padStart(8)} ${r.p95.toFixed(1).padStart(8)}   ${r.p95 < TARGET_P95_MS ? "ok" : "OVER"}`);
    }
    const maxP95 = Math.max(...Object.values(results).map((r) => r.p95));
    const cpu = await opsPollCpu(db, list.find((e) => e.name === "ops")!, REQUESTS);
    console.log(`\nmax p95 ${maxP95.toFixed(1)} ms (target < ${TARGET_P95_MS} ms): ${maxP95 < TARGET_P95_MS ? "met" : "NOT met"}`);
    console.log(`one Operations-tab poll (GET /api/ops): ${cpu.node} ms CPU in the handler's process + ${cpu.postgres} ms in PostgreSQL (polled every 2 s: ${(((cpu.node + cpu.postgres) / 2000) * 100).toFixed(1)}% of a core)`);
    let fleetFromRowsMs: number[] | undefined;
    if (process.argv.includes("--compare")) {
      fleetFromRowsMs = await timeFleetFromRows(db, 3);
      const median = [...fleetFromRowsMs].sort((a, b) => a - b)[1]!;
      console.log(`fleet throughput counted from the frame rows (before the counters): ${fleetFromRowsMs.join(", ")} ms; its median is ${(median / results.ops!.p50).toFixed(0)}x the whole GET /api/ops p50`);
    }
    const loadavg = readFileSync("/proc/loadavg", "utf8").trim();
    console.log(`load average after: ${loadavg}`);
    console.log(JSON.stringify({ rows: rowsNow, endpoints: results, maxP95, targetP95: TARGET_P95_MS, opsPollCpuMs: cpu, fleetFromRowsMs, loadavg }));
  } finally {
    await db.end();
    const client = await import("../lib/db/client");
    await client.pool().end().catch(() => {});
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
