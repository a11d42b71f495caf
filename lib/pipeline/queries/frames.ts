import "server-only";
import { z } from "zod";
import type { Db } from "@/lib/db/client";
import type { FrameStatus } from "@/lib/pipeline/stages";
import { errorProjection, LIST_EXCERPT_CHARS, toFrameError, type FrameError } from "./frame-error";
import { badCursor } from "./params";
import { frameTime, readVideoHeader } from "./video-lookup";

// The failed-frames screen: a page of frames, the error groups, and the
// one-character-per-frame map. Raw SQL: the keyset predicates and the
// string_agg are clearer (and cheaper) written out than through Prisma.

export const FRAME_STATUSES = ["pending", "running", "succeeded", "failed"] as const satisfies readonly FrameStatus[];
export const FRAME_SORTS = ["index", "attempts", "updated"] as const;
export type FrameSort = (typeof FRAME_SORTS)[number];

const listParams = z.object({
  status: z.enum(FRAME_STATUSES).optional(),
  group: z.string().min(1).max(500).optional(),
  sort: z.enum(FRAME_SORTS).default("index"),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});
export type FrameListParams = z.infer<typeof listParams>;

export function parseFrameListParams(search: URLSearchParams): FrameListParams {
  return listParams.parse(Object.fromEntries([...search.entries()].filter(([, v]) => v !== "")));
}

export interface FrameRow {
  index: number;
  timeSec: number;
  status: FrameStatus;
  attempts: number;
  workerId: string | null;
  updatedAt: string;
  fingerprint: string | null;
  lastError: FrameError | null;
}

// Keyset per sort. Each is (sort value, frame_index) so ties are broken by a
// unique key and a page never repeats or skips a row, even while frames move.
//   index:    frame_index ASC           -> served by (video_id, status, frame_index)
//   attempts: attempts DESC, index ASC  -> most retried first
//   updated:  updated_at DESC, index ASC -> most recent first
// For failed frames (the drill-down), attempts and updated are served by
// partial indexes (video_id, attempts DESC, frame_index) and
// (video_id, updated_at DESC, frame_index) WHERE status = 'failed'. Other
// statuses read that status's slice of (video_id, status, frame_index) and
// keep the top `limit` rows in a bounded heap.
const ORDER: Record<FrameSort, string> = {
  index: "f.frame_index ASC",
  attempts: "f.attempts DESC, f.frame_index ASC",
  updated: "f.updated_at DESC, f.frame_index ASC",
};

// Cursor: base64url(JSON [sort, value, frameIndex]); the value is the sort
// column of the last row (a number, or an ISO timestamp at the column's
// millisecond precision, so it round-trips exactly).
// Numbers are bounded to PostgreSQL's integer, or a forged cursor is a 500.
const int4 = () => z.number().int().min(-1).max(2 ** 31 - 1);
const cursorSchema = z.union([
  z.tuple([z.literal("index"), z.null(), int4()]),
  z.tuple([z.literal("attempts"), int4(), int4()]),
  z.tuple([z.literal("updated"), z.iso.datetime(), int4()]),
]);
type Cursor = z.infer<typeof cursorSchema>;


function decodeCursor(raw: string | undefined, sort: FrameSort): Cursor | null {
  if (!raw) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
  } catch {
    throw badCursor();
  }
  const result = cursorSchema.safeParse(parsed);
  if (!result.success || result.data[0] !== sort) throw badCursor();
  return result.data;
}

function encodeCursor(sort: FrameSort, row: { frame_index: number; attempts: number; updated_at: Date }): string {
  const value = sort === "attempts" ? row.attempts : sort === "updated" ? row.updated_at.toISOString() : null;
  return Buffer.from(JSON.stringify([sort, value, row.frame_index])).toString("base64url");
}

interface FrameListRow {
  frame_index: number;
  status: FrameStatus;
  attempts: number;
  worker_id: string | null;
  updated_at: Date;
  error_fingerprint: string | null;
  last_error: unknown;
}

/** GET /api/videos/{id}/frames: one keyset page, filtered by status and error group. */
export async function listFrames(db: Db, rawVideoId: string, params: FrameListParams): Promise<{ frames: FrameRow[]; nextCursor: string | null }> {
  const video = await readVideoHeader(db, rawVideoId);
  const values: unknown[] = [video.id];
  const param = (v: unknown) => `$${values.push(v)}`;
  const where = ["f.video_id = $1"];
  if (params.status) where.push(`f.status = ${param(params.status)}::frame_status`);
  if (params.group) where.push(`f.error_fingerprint = ${param(params.group)}`);
  const after = decodeCursor(params.cursor, params.sort);
  const base = where.join(" AND ");
  const limit = param(params.limit + 1);
  // The page's ids are chosen first over narrow rows; only those rows are
  // read whole. Sorting the full rows (a KB of error JSON each) instead made
  // an unindexed sort of 100,000 failed frames twice as slow.
  let pageIds = `SELECT f.id, f.attempts, f.updated_at, f.frame_index FROM frame_executions f WHERE ${base} ORDER BY ${ORDER[params.sort]} LIMIT ${limit}`;
  if (after) {
    const [sort, value, index] = after;
    if (sort === "index") {
      pageIds = `SELECT f.id, f.attempts, f.updated_at, f.frame_index FROM frame_executions f WHERE ${base} AND f.frame_index > ${param(index)} ORDER BY ${ORDER.index} LIMIT ${limit}`;
    } else {
      // A descending value with an ascending tie-break is no row comparison
      // an index can seek to, and "v < x OR (v = x AND i > y)" is read as a
      // filter: the index would be walked from the start of the list, every
      // row before the page read and thrown away. Two seeks instead: the rest
      // of the cursor's own value, then the values after it.
      const column = sort === "attempts" ? "f.attempts" : "f.updated_at";
      const v = param(sort === "attempts" ? value : new Date(value as string));
      const i = param(index);
      const seek = (cond: string) => `(SELECT f.id, f.attempts, f.updated_at, f.frame_index FROM frame_executions f WHERE ${base} AND ${cond} ORDER BY ${ORDER[sort]} LIMIT ${limit})`;
      pageIds = `SELECT * FROM (${seek(`${column} = ${v} AND f.frame_index > ${i}`)} UNION ALL ${seek(`${column} < ${v}`)}) f ORDER BY ${ORDER[sort]} LIMIT ${limit}`;
    }
  }
  const { rows } = await db.query<FrameListRow>(
    `WITH page AS (${pageIds})
     SELECT f.frame_index, f.status, f.attempts, f.worker_id, f.updated_at, f.error_fingerprint,
            ${errorProjection("f.last_error", LIST_EXCERPT_CHARS)} AS last_error
       FROM page JOIN frame_executions f ON f.id = page.id
      ORDER BY ${ORDER[params.sort]}`,
    values,
  );
  const page = rows.slice(0, params.limit);
  const last = page.at(-1);
  return {
    frames: page.map((r) => ({
      index: r.frame_index,
      timeSec: frameTime(video, r.frame_index),
      status: r.status,
      attempts: r.attempts,
      workerId: r.worker_id,
      updatedAt: r.updated_at.toISOString(),
      fingerprint: r.error_fingerprint,
      lastError: toFrameError(r.last_error),
    })),
    nextCursor: rows.length > params.limit && last ? encodeCursor(params.sort, last) : null,
  };
}

export interface ErrorGroup {
  fingerprint: string;
  errorClass: string;
  httpStatus: number | null;
  message: string;
  count: number;
}

/** Distinct causes shown at most; fingerprints normalise messages, so real videos have a handful. */
const MAX_GROUPS = 200;

/**
 * GET /api/videos/{id}/error-groups: failed frames grouped by fingerprint,
 * most frequent first. The counts come from one GROUP BY; the sample error
 * of each group is one indexed lookup per group (LATERAL ... LIMIT 1), rather
 * than an array_agg that would drag every error of 100,000 frames through
 * the aggregate.
 */
export async function listErrorGroups(db: Db, rawVideoId: string): Promise<{ groups: ErrorGroup[] }> {
  const video = await readVideoHeader(db, rawVideoId);
  const { rows } = await db.query<{ fingerprint: string; count: number; error_class: string | null; http_status: unknown; message: string | null }>(
    `WITH g AS (
       SELECT error_fingerprint AS fingerprint, count(*)::int AS count
         FROM frame_executions
        WHERE video_id = $1 AND status = 'failed'
        GROUP BY error_fingerprint
        ORDER BY count(*) DESC, error_fingerprint
        LIMIT $2
     )
     SELECT coalesce(g.fingerprint, '') AS fingerprint, g.count,
            s.last_error->>'errorClass' AS error_class, s.last_error->'httpStatus' AS http_status,
            left(s.last_error->>'message', 1000) AS message
       FROM g
       LEFT JOIN LATERAL (
         SELECT f.last_error FROM frame_executions f
          WHERE f.video_id = $1 AND f.status = 'failed' AND f.error_fingerprint = g.fingerprint
          LIMIT 1
       ) s ON TRUE
      ORDER BY g.count DESC, g.fingerprint`,
    [video.id, MAX_GROUPS],
  );
  return {
    groups: rows.map((r) => ({
      fingerprint: r.fingerprint,
      errorClass: r.error_class ?? "Unknown",
      httpStatus: typeof r.http_status === "number" ? r.http_status : null,
      message: r.message ?? "",
      count: r.count,
    })),
  };
}

/**
 * GET /api/videos/{id}/frame-map: one character per frame, p r s f, in frame
 * order (the first letter of each frame_status label).
 *
 * Built from runs rather than from every row (the string_agg over all
 * 108,000 rows it replaces sorted them on every poll):
 * - the lowest and highest frame of each status: 8 index probes on
 *   (video_id, status, frame_index);
 * - the string starts filled with the video's most common status (the
 *   enhance stage counters say which);
 * - for each other status, the frames before any frame of another status
 *   and after the last one are that status (the succeeded head of a running
 *   video, its pending tail): painted without reading them; only the part
 *   in between is read, index-only, as runs of consecutive frames (index
 *   minus its rank is constant along a run).
 * A finished video reads no row (or only its failed ones); a running one
 * reads its ragged front and its scattered failures, not its 108,000 rows.
 * The worst case (statuses alternating frame by frame) still reads every
 * row outside the common status.
 *
 * Both inferences need the rows to cover 0..n-1 exactly (their count, from
 * the counters, equals the highest index + 1; indexes are distinct). When
 * they do not (rows still being inserted, counters of rows written by hand),
 * the fill is pending, every other row is read, and frames without a row
 * read as pending.
 */
export async function getFrameMap(db: Db, rawVideoId: string): Promise<{ frameCount: number; statuses: string }> {
  const video = await readVideoHeader(db, rawVideoId);
  const { rows: bounds } = await db.query<{ status: FrameStatus; lo: number | null; hi: number | null } & Record<FrameStatus | "total", number>>(
    `SELECT o.status,
            (SELECT min(frame_index) FROM frame_executions WHERE video_id = $1 AND status = o.status) AS lo,
            (SELECT max(frame_index) FROM frame_executions WHERE video_id = $1 AND status = o.status) AS hi,
            coalesce(s.pending, 0) AS pending, coalesce(s.running, 0) AS running, coalesce(s.succeeded, 0) AS succeeded,
            coalesce(s.failed, 0) AS failed, coalesce(s.total, 0) AS total
       FROM unnest(enum_range(NULL::frame_status)) AS o(status)
       LEFT JOIN video_stages s ON s.video_id = $1 AND s.name = 'enhance'`,
    [video.id],
  );
  const present = bounds.filter((b) => b.lo !== null && b.hi !== null) as { status: FrameStatus; lo: number; hi: number }[];
  const stored = present.length === 0 ? 0 : Math.max(...present.map((b) => b.hi)) + 1;
  const frameCount = Math.max(video.frameCount ?? 0, stored);
  const h = bounds[0]!;
  const covered = stored > 0 && h.total === stored && h.pending + h.running + h.succeeded + h.failed === stored;
  const fill: FrameStatus = covered ? FRAME_STATUSES.reduce((a, b) => (h[b] > h[a] ? b : a)) : "pending";
  const map = Buffer.alloc(frameCount, "p", "latin1").fill(fill[0]!, 0, stored, "latin1");
  const toRead: { status: FrameStatus; lo: number; hi: number }[] = [];
  for (const b of present.filter((p) => p.status !== fill)) {
    if (!covered) {
      toRead.push(b);
      continue;
    }
    const others = present.filter((p) => p.status !== b.status);
    const headEnd = Math.min(stored, ...others.map((p) => p.lo));
    const tailStart = Math.max(-1, ...others.map((p) => p.hi));
    map.fill(b.status[0]!, 0, headEnd, "latin1");
    if (tailStart + 1 < stored) map.fill(b.status[0]!, tailStart + 1, stored, "latin1");
    if (headEnd <= tailStart) toRead.push({ status: b.status, lo: headEnd, hi: tailStart });
  }
  if (toRead.length === 0) return { frameCount, statuses: map.toString("latin1") };
  const { rows } = await db.query<{ status: FrameStatus; lo: number; n: number }>(
    `SELECT st.status, r.lo, r.n
       FROM unnest($2::frame_status[], $3::int[], $4::int[]) AS st(status, lo, hi)
      CROSS JOIN LATERAL (
        SELECT min(f.frame_index) AS lo, count(*)::int AS n
          FROM (SELECT frame_index, frame_index - row_number() OVER (ORDER BY frame_index) AS run
                  FROM frame_executions
                 WHERE video_id = $1 AND status = st.status AND frame_index BETWEEN st.lo AND st.hi) f
         GROUP BY f.run
      ) r`,
    [video.id, toRead.map((r) => r.status), toRead.map((r) => r.lo), toRead.map((r) => r.hi)],
  );
  for (const r of rows) map.fill(r.status[0]!, r.lo, Math.min(frameCount, r.lo + r.n), "latin1");
  return { frameCount, statuses: map.toString("latin1") };
}
