import type { Db } from "@/lib/db/client";

export interface FailureGroup {
  fingerprint: string;
  errorClass: string;
  httpStatus: number | null;
  message: string;
  frames: number;
  videos: number;
  /** A few of the videos, most affected first, to jump to. */
  sample: { videoId: string; title: string; frames: number }[];
}

/**
 * Failed frames of every video, grouped by cause (the fingerprint), most
 * frequent first. Reads only failed rows, through the partial index on
 * (video_id, error_fingerprint) WHERE status = 'failed'.
 */
export async function listFailureGroups(db: Db, limit = 100): Promise<{ groups: FailureGroup[] }> {
  const { rows } = await db.query<{ fingerprint: string; frames: number; videos: number; error_class: string | null; http_status: unknown; message: string | null; sample: { videoId: string; title: string; frames: number }[] }>(
    `WITH per_video AS (
       SELECT error_fingerprint AS fingerprint, video_id, count(*)::int AS frames
         FROM frame_executions WHERE status = 'failed' AND error_fingerprint IS NOT NULL
        GROUP BY error_fingerprint, video_id
     ), g AS (
       SELECT fingerprint, sum(frames)::int AS frames, count(*)::int AS videos FROM per_video
        GROUP BY fingerprint ORDER BY sum(frames) DESC, fingerprint LIMIT $1
     )
     SELECT g.fingerprint, g.frames, g.videos,
            s.last_error->>'errorClass' AS error_class, s.last_error->'httpStatus' AS http_status, left(s.last_error->>'message', 1000) AS message,
            (SELECT coalesce(jsonb_agg(jsonb_build_object('videoId', p.video_id, 'title', v.title, 'frames', p.frames) ORDER BY p.frames DESC), '[]')
               FROM (SELECT * FROM per_video p WHERE p.fingerprint = g.fingerprint ORDER BY p.frames DESC LIMIT 5) p JOIN videos v ON v.id = p.video_id) AS sample
       FROM g
       LEFT JOIN LATERAL (
         SELECT f.last_error FROM frame_executions f WHERE f.status = 'failed' AND f.error_fingerprint = g.fingerprint LIMIT 1
       ) s ON TRUE
      ORDER BY g.frames DESC, g.fingerprint`,
    [limit],
  );
  return {
    groups: rows.map((r) => ({
      fingerprint: r.fingerprint,
      errorClass: r.error_class ?? "Unknown",
      httpStatus: typeof r.http_status === "number" ? r.http_status : null,
      message: r.message ?? "",
      frames: r.frames,
      videos: r.videos,
      sample: r.sample,
    })),
  };
}
