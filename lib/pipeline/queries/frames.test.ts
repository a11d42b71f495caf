import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Db } from "@/lib/db/client";
import { DomainError } from "@/lib/pipeline/errors";
import { createTestDatabase } from "@/test/support/db";
import { getFrame } from "./frame-detail";
import { seedEnhancingVideoRows } from "@/bench/seed";
import { claimFrames } from "@/lib/pipeline/sql/claim-frames";
import { completeFrames, failFrames } from "@/lib/pipeline/sql/settle-frames";
import { getFrameMap, listErrorGroups, listFrames, parseFrameListParams, type FrameRow, type FrameSort } from "./frames";

const { pool } = await createTestDatabase();

async function insertVideo(db: Db, frameCount: number, fps: [number, number] = [30, 1]): Promise<string> {
  const id = randomUUID();
  await db.query(
    `INSERT INTO videos (id, title, original_name, source_bytes, fps_num, fps_den, frame_count, status)
     VALUES ($1, 'clip', 'clip.mp4', 1, $2, $3, $4, 'processing')`,
    [id, fps[0], fps[1], frameCount],
  );
  await db.query(`INSERT INTO video_stages (video_id, name) SELECT $1, unnest(enum_range(NULL::stage_name))`, [id]);
  return id;
}

// Frame i: failed when i % 10 < 4 (two causes), pending at 4, running at 5,
// succeeded otherwise. Attempts and updated_at repeat (i % 5, i % 13) so the
// composite keysets must break many ties by frame_index.
const FIXTURE = `
  INSERT INTO frame_executions (video_id, frame_index, status, attempts, worker_id, updated_at, finished_at, error_fingerprint, last_error, output_kind)
  SELECT $1, i,
         (CASE WHEN i % 10 < 4 THEN 'failed' WHEN i % 10 = 4 THEN 'pending' WHEN i % 10 = 5 THEN 'running' ELSE 'succeeded' END)::frame_status,
         i % 5 + 1, 'w-' || (i % 3),
         timestamptz '2030-01-01 00:00:00Z' + make_interval(secs => i % 13),
         CASE WHEN i % 10 < 4 OR i % 10 > 5 THEN now() END,
         CASE WHEN i % 10 < 4 THEN CASE WHEN i % 10 = 0 THEN 'HttpError|503|service unavailable' ELSE 'Timeout|-|timed out' END END,
         CASE WHEN i % 10 < 4 THEN CASE WHEN i % 10 = 0
           THEN jsonb_build_object('errorClass', 'HttpError', 'message', 'service unavailable', 'httpStatus', 503, 'bodyExcerpt', '<html>busy</html>',
                                   'retryable', true, 'attempt', i % 5 + 1, 'workerId', 'w-' || (i % 3), 'durationMs', 120, 'at', '2030-01-01T00:00:00.000Z')
           ELSE jsonb_build_object('errorClass', 'Timeout', 'message', 'timed out', 'retryable', true, 'attempt', i % 5 + 1, 'workerId', 'w-' || (i % 3),
                                   'durationMs', 30000, 'at', '2030-01-01T00:00:00.000Z') END END,
         CASE WHEN i % 10 > 5 THEN 'enhanced' END
    FROM generate_series(0, $2::int - 1) AS i`;

async function seedFrames(db: Db, videoId: string, n: number): Promise<void> {
  await db.query(FIXTURE, [videoId, n]);
}

async function readAll(videoId: string, query: string): Promise<FrameRow[]> {
  const all: FrameRow[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 10_000; page++) {
    const search: URLSearchParams = new URLSearchParams(query);
    if (cursor) search.set("cursor", cursor);
    const result = await listFrames(pool, videoId, parseFrameListParams(search));
    all.push(...result.frames);
    cursor = result.nextCursor;
    if (!cursor) return all;
  }
  throw new Error("pagination did not end");
}

const ordering: Record<FrameSort, (a: FrameRow, b: FrameRow) => number> = {
  index: (a, b) => a.index - b.index,
  attempts: (a, b) => b.attempts - a.attempts || a.index - b.index,
  updated: (a, b) => Date.parse(b.updatedAt) - Date.parse(a.updatedAt) || a.index - b.index,
};

describe("listFrames", async () => {
  const videoId = await insertVideo(pool, 500, [30000, 1001]);
  await seedFrames(pool, videoId, 500);
  const failed = Array.from({ length: 500 }, (_, i) => i).filter((i) => i % 10 < 4);

  for (const sort of ["index", "attempts", "updated"] as const) {
    it(`returns every failed frame exactly once across pages, sorted by ${sort}`, async () => {
      const rows = await readAll(videoId, `status=failed&sort=${sort}&limit=7`);
      expect(rows.map((r) => r.index).sort((a, b) => a - b)).toEqual(failed);
      expect(rows).toEqual([...rows].sort(ordering[sort]));
      expect(new Set(rows.map((r) => r.status))).toEqual(new Set(["failed"]));
    });
  }

  it("filters by error group, across pages", async () => {
    const rows = await readAll(videoId, "status=failed&group=HttpError|503|service unavailable&sort=updated&limit=9");
    expect(rows.map((r) => r.index).sort((a, b) => a - b)).toEqual(failed.filter((i) => i % 10 === 0));
    expect(rows[0]!.lastError).toMatchObject({ errorClass: "HttpError", httpStatus: 503, bodyExcerpt: "<html>busy</html>", retryable: true });
  });

  it("lists every frame without a status filter", async () => {
    const rows = await readAll(videoId, "limit=200");
    expect(rows.map((r) => r.index)).toEqual(Array.from({ length: 500 }, (_, i) => i));
  });

  it("maps a row: time from the exact frame rate, error fields typed", async () => {
    const { frames } = await listFrames(pool, videoId, parseFrameListParams(new URLSearchParams("status=failed&limit=2")));
    expect(frames[1]).toEqual({
      index: 1,
      timeSec: 1001 / 30000,
      status: "failed",
      attempts: 2,
      workerId: "w-1",
      updatedAt: "2030-01-01T00:00:01.000Z",
      fingerprint: "Timeout|-|timed out",
      lastError: { errorClass: "Timeout", message: "timed out", httpStatus: null, bodyExcerpt: null, retryable: true, attempt: 2, workerId: "w-1", durationMs: 30000, at: "2030-01-01T00:00:00.000Z" },
    });
  });

  it("caps a huge body excerpt in the list, and keeps a bounded one in the frame view", async () => {
    await pool.query(
      `UPDATE frame_executions SET last_error = last_error || jsonb_build_object('bodyExcerpt', repeat('x', 1000000), 'junk', repeat('y', 1000000))
        WHERE video_id = $1 AND frame_index = 10`,
      [videoId],
    );
    const { frames } = await listFrames(pool, videoId, parseFrameListParams(new URLSearchParams("status=failed&group=HttpError|503|service unavailable&limit=50")));
    const row = frames.find((f) => f.index === 10)!;
    expect(row.lastError!.bodyExcerpt).toHaveLength(300);
    expect(JSON.stringify(frames).length).toBeLessThan(50_000);
    const detail = await getFrame(pool, videoId, "10");
    expect(detail.lastError!.bodyExcerpt).toHaveLength(1024);
  });

  it("rejects a cursor from another sort, a forged cursor and a sort outside the allow-list", async () => {
    const first = await listFrames(pool, videoId, parseFrameListParams(new URLSearchParams("status=failed&sort=attempts&limit=5")));
    const reuse = listFrames(pool, videoId, parseFrameListParams(new URLSearchParams(`status=failed&sort=updated&cursor=${first.nextCursor}`)));
    await expect(reuse).rejects.toMatchObject({ kind: "invalid", code: "invalid_cursor" });
    const forged = Buffer.from(JSON.stringify(["index", "1; DROP TABLE videos", 3])).toString("base64url");
    await expect(listFrames(pool, videoId, parseFrameListParams(new URLSearchParams(`cursor=${forged}`)))).rejects.toBeInstanceOf(DomainError);
    expect(() => parseFrameListParams(new URLSearchParams("sort=frame_index desc"))).toThrow();
    expect(() => parseFrameListParams(new URLSearchParams("status=lost"))).toThrow();
    expect(() => parseFrameListParams(new URLSearchParams("limit=100000"))).toThrow();
  });

  it("says not found for an unknown or malformed video id", async () => {
    const params = parseFrameListParams(new URLSearchParams());
    await expect(listFrames(pool, randomUUID(), params)).rejects.toMatchObject({ code: "video_not_found" });
    await expect(listFrames(pool, "../../etc/passwd", params)).rejects.toMatchObject({ code: "video_not_found" });
  });
});

describe("listErrorGroups", async () => {
  it("counts failed frames per fingerprint, most frequent first, ignoring frames no longer failed", async () => {
    const videoId = await insertVideo(pool, 100);
    await seedFrames(pool, videoId, 100);
    // A frame retried and now pending keeps its last error but is not a failure any more.
    await pool.query(`UPDATE frame_executions SET status = 'pending' WHERE video_id = $1 AND frame_index = 1`, [videoId]);
    const { groups } = await listErrorGroups(pool, videoId);
    expect(groups).toEqual([
      { fingerprint: "Timeout|-|timed out", errorClass: "Timeout", httpStatus: null, message: "timed out", count: 29 },
      { fingerprint: "HttpError|503|service unavailable", errorClass: "HttpError", httpStatus: 503, message: "service unavailable", count: 10 },
    ]);
    expect(await listErrorGroups(pool, await insertVideo(pool, 0))).toEqual({ groups: [] });
  });
});

describe("getFrameMap", async () => {
  it("is one character per frame in frame order, pending for frames not inserted yet", async () => {
    const videoId = await insertVideo(pool, 25);
    await seedFrames(pool, videoId, 20);
    const expected = Array.from({ length: 20 }, (_, i) => (i % 10 < 4 ? "f" : i % 10 === 4 ? "p" : i % 10 === 5 ? "r" : "s")).join("");
    expect(await getFrameMap(pool, videoId)).toEqual({ frameCount: 25, statuses: `${expected}ppppp` });
  });

  it("agrees with the rows when it fills in the video's most common status and reads only the others", async () => {
    // Counters kept by the real statements: rows inserted by insertFrames, then claims and settles.
    const videoId = await seedEnhancingVideoRows(pool, 3_000);
    const naive = async () =>
      (await pool.query<{ s: string }>(`SELECT string_agg(left(status::text, 1), '' ORDER BY frame_index) AS s FROM frame_executions WHERE video_id = $1`, [videoId])).rows[0]!.s;
    expect(await getFrameMap(pool, videoId)).toEqual({ frameCount: 3_000, statuses: "p".repeat(3_000) });
    const claimed = await claimFrames(pool, videoId, Array.from({ length: 2_000 }, (_, i) => i), "w", 60);
    const outcome = (c: (typeof claimed)[number]) => ({ id: c.id, attemptToken: c.attemptToken });
    // Mostly succeeded (the fill), with failures scattered and in a block, frames in flight, and a pending tail.
    const failedIdx = new Set([0, 7, 8, 9, 500, 1_999, ...Array.from({ length: 40 }, (_, i) => 1_200 + i)]);
    const inFlight = new Set([1_990, 1_991, 1_995]);
    await completeFrames(pool, videoId, claimed.filter((c) => !failedIdx.has(c.frameIndex) && !inFlight.has(c.frameIndex)).map(outcome));
    await failFrames(pool, videoId, claimed.filter((c) => failedIdx.has(c.frameIndex)).map((c) => ({
      ...outcome(c), error: { errorClass: "X", message: "x" }, fingerprint: "X", retryAt: null, startedAt: new Date(), durationMs: 1, workerId: "w",
    })));
    const map = await getFrameMap(pool, videoId);
    expect(map.statuses).toBe(await naive());
    expect(map.statuses.slice(1_988, 2_001)).toBe("ssrrsssrsssfp");
    expect([...map.statuses].filter((c) => c === "f")).toHaveLength(failedIdx.size);
    // Frames without a row yet (the frame count is ahead of the rows) read as pending.
    await pool.query(`UPDATE videos SET frame_count = 3100 WHERE id = $1`, [videoId]);
    expect(await getFrameMap(pool, videoId)).toEqual({ frameCount: 3_100, statuses: (await naive()) + "p".repeat(100) });
  });

  it("paints a video early in its run: a succeeded head, frames in flight, a pending rest", async () => {
    const videoId = await seedEnhancingVideoRows(pool, 1_000);
    const claimed = await claimFrames(pool, videoId, Array.from({ length: 120 }, (_, i) => i), "w", 60);
    await completeFrames(pool, videoId, claimed.filter((c) => c.frameIndex < 100 || c.frameIndex === 110).map((c) => ({ id: c.id, attemptToken: c.attemptToken })));
    const { rows } = await pool.query<{ s: string }>(`SELECT string_agg(left(status::text, 1), '' ORDER BY frame_index) AS s FROM frame_executions WHERE video_id = $1`, [videoId]);
    expect(rows[0]!.s).toBe(`${"s".repeat(100)}rrrrrrrrrrsrrrrrrrrr${"p".repeat(880)}`);
    expect((await getFrameMap(pool, videoId)).statuses).toBe(rows[0]!.s);
  });

  it("builds the map of a 108,000-frame video cheaply", async () => {
    const videoId = await insertVideo(pool, 108_000);
    await seedFrames(pool, videoId, 108_000);
    await pool.query("ANALYZE frame_executions");
    await getFrameMap(pool, videoId);
    const times: number[] = [];
    let map = { frameCount: 0, statuses: "" };
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      map = await getFrameMap(pool, videoId);
      times.push(performance.now() - t0);
    }
    expect(map.frameCount).toBe(108_000);
    expect(map.statuses).toHaveLength(108_000);
    expect(map.statuses.slice(0, 10)).toBe("ffffprssss");
    expect([...map.statuses].filter((c) => c === "f")).toHaveLength(43_200);
    const median = times.sort((a, b) => a - b)[2]!;
    console.log(`[bench] frame-map on 108,000 rows: median ${median.toFixed(1)} ms (runs: ${times.map((t) => t.toFixed(1)).join(", ")})`);
    expect(median).toBeLessThan(1000);
  });
});

/** Rows the plan read from frame_executions (its scan nodes' actual rows, times their loops). */
function rowsReadFromTable(node: { "Relation Name"?: string; "Actual Rows": number; "Actual Loops": number; "Rows Removed by Filter"?: number; Plans?: unknown[] }): number {
  const own = node["Relation Name"] === "frame_executions" ? (node["Actual Rows"] + (node["Rows Removed by Filter"] ?? 0)) * node["Actual Loops"] : 0;
  return own + (node.Plans ?? []).reduce<number>((sum, child) => sum + rowsReadFromTable(child as typeof node), 0);
}

describe("keyset pages on 100,000 failed frames", async () => {
  it("reads a deep page by its keyset (the plan reads one page of rows, not the pages before it), in the right order, for every sort", async () => {
    const videoId = await insertVideo(pool, 100_000);
    await pool.query(
      `INSERT INTO frame_executions (video_id, frame_index, status, attempts, updated_at, error_fingerprint, last_error)
       SELECT $1, i, 'failed', 1 + i % 5, timestamptz '2030-01-01Z' + make_interval(secs => i % 977), 'HttpError|500|boom',
              jsonb_build_object('errorClass', 'HttpError', 'message', 'boom', 'httpStatus', 500, 'bodyExcerpt', repeat('b', 1024), 'retryable', true, 'attempt', 1)
         FROM generate_series(0, 99999) AS i`,
      [videoId],
    );
    await pool.query("ANALYZE frame_executions");
    // The order each sort promises, computed here from how the rows were made.
    const all = Array.from({ length: 100_000 }, (_, i) => ({ i, attempts: 1 + (i % 5), updated: i % 977 }));
    const expected = {
      index: [...all].sort((a, b) => a.i - b.i),
      attempts: [...all].sort((a, b) => b.attempts - a.attempts || a.i - b.i),
      updated: [...all].sort((a, b) => b.updated - a.updated || a.i - b.i),
    };
    const report: string[] = [];
    for (const sort of ["index", "attempts", "updated"] as const) {
      const params = (cursor?: string) => parseFrameListParams(new URLSearchParams({ status: "failed", sort, limit: "50", ...(cursor ? { cursor } : {}) }));
      let page = await listFrames(pool, videoId, params());
      for (let i = 0; i < 4; i++) page = await listFrames(pool, videoId, params(page.nextCursor!));
      // Page 6, with the statement it runs captured to look at its plan.
      const seen: { text: string; values: unknown[] }[] = [];
      const spy = new Proxy(pool, {
        get: (target, prop, receiver) =>
          prop === "query"
            ? (text: string, values: unknown[]) => {
                seen.push({ text, values });
                return target.query(text, values);
              }
            : Reflect.get(target, prop, receiver),
      });
      const deep = await listFrames(spy, videoId, params(page.nextCursor!));
      expect(deep.frames.map((f) => f.index), sort).toEqual(expected[sort].slice(250, 300).map((f) => f.i));
      expect(deep.frames.every((f) => f.lastError!.bodyExcerpt!.length === 300)).toBe(true);
      const statement = seen.find((q) => q.text.includes("WITH page AS"))!;
      const { rows } = await pool.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${statement.text}`, statement.values);
      const scanned = rowsReadFromTable(rows[0]["QUERY PLAN"][0].Plan);
      report.push(`${sort}: ${scanned} rows read for page 6`);
      // Keyset: the page's 51 ids (the page and the row that says whether
      // there is a next one; a seek past the cursor's value may look at one
      // more), then those 51 rows whole. OFFSET paging would read the 250
      // rows before the page too (352).
      expect(scanned, `${sort}: rows read from frame_executions`).toBeLessThanOrEqual(2 * 51 + 1);
    }
    const groups = performance.now();
    expect((await listErrorGroups(pool, videoId)).groups).toEqual([expect.objectContaining({ count: 100_000 })]);
    report.push(`error-groups: ${(performance.now() - groups).toFixed(1)} ms`);
    console.log(`keyset page of 50 over 100,000 failed frames: ${report.join("; ")}`);
  });
});

describe("getFrame", async () => {
  const videoId = await insertVideo(pool, 20);
  await seedFrames(pool, videoId, 20);

  it("returns the frame with its attempt history in order, and image URLs", async () => {
    await pool.query(
      `INSERT INTO frame_attempts (frame_id, video_id, frame_index, attempt, worker_id, error, started_at, finished_at, duration_ms)
       SELECT f.id, f.video_id, f.frame_index, a, 'w-' || a,
              jsonb_build_object('errorClass', 'HttpError', 'message', 'try ' || a, 'httpStatus', 500, 'retryable', true, 'attempt', a),
              timestamptz '2030-01-01Z' + make_interval(secs => a), timestamptz '2030-01-01Z' + make_interval(secs => a, mins => 1), 1000 * a
         FROM frame_executions f, generate_series(1, 3) AS a
        WHERE f.video_id = $1 AND f.frame_index = 3`,
      [videoId],
    );
    const frame = await getFrame(pool, videoId, "3");
    expect(frame).toMatchObject({ index: 3, timeSec: 0.1, status: "failed", attempts: 4, outputKind: null, enhancedUrl: null });
    expect(frame.originalUrl).toBe(`/api/videos/${videoId}/frames/3/image?kind=original`);
    expect(frame.attemptsHistory.map((a) => [a.attempt, a.workerId, a.error?.message, a.durationMs])).toEqual([
      [1, "w-1", "try 1", 1000],
      [2, "w-2", "try 2", 2000],
      [3, "w-3", "try 3", 3000],
    ]);
    expect(frame.attemptsHistory[0]!.finishedAt).toBe("2030-01-01T00:01:01.000Z");
  });

  it("has an enhanced URL only for a frame enhanced (not one encoded from its original)", async () => {
    expect((await getFrame(pool, videoId, "6")).enhancedUrl).toBe(`/api/videos/${videoId}/frames/6/image?kind=enhanced`);
    await pool.query(`UPDATE frame_executions SET output_kind = 'original' WHERE video_id = $1 AND frame_index = 7`, [videoId]);
    expect((await getFrame(pool, videoId, "7")).enhancedUrl).toBeNull();
  });

  it("says not found for a frame past the end or a frame number that is not one", async () => {
    await expect(getFrame(pool, videoId, "20")).rejects.toMatchObject({ code: "frame_not_found" });
    for (const bad of ["-1", "1.5", "01", "1e3", "..%2F"]) {
      await expect(getFrame(pool, videoId, bad)).rejects.toMatchObject({ code: "frame_not_found" });
    }
  });
});
