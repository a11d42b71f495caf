import { describe, expect, it } from "vitest";
import { createTestPipeline } from "@/test/support/pipeline";
import { seedEnhancingVideo } from "@/test/support/seed";
import { listFailureGroups } from "./failure-groups";
import { search } from "./search";

describe("search and failures across videos", async () => {
  const { pool, ctx } = await createTestPipeline();
  const a = await seedEnhancingVideo(ctx, { frames: 5, files: false });
  const b = await seedEnhancingVideo(ctx, { frames: 5, files: false });
  await pool.query(`UPDATE videos SET title = 'Holiday in Lisbon', original_name = 'IMG_2041.MOV' WHERE id = $1`, [a]);
  await pool.query(`UPDATE videos SET title = 'Board meeting', original_name = 'meeting.mp4' WHERE id = $1`, [b]);
  const fail = (video: string, frames: number[], fingerprint: string, status: number, message: string) =>
    pool.query(
      `UPDATE frame_executions SET status = 'failed', error_fingerprint = $3, last_error = jsonb_build_object('errorClass', 'http', 'httpStatus', $4::int, 'message', $5::text)
        WHERE video_id = $1 AND frame_index = ANY($2)`,
      [video, frames, fingerprint, status, message],
    );
  await fail(a, [1, 2], "http|503|upstream busy", 503, "HTTP 503: upstream busy, try later");
  await fail(b, [4], "http|503|upstream busy", 503, "HTTP 503: upstream busy, try later");
  await fail(b, [0], "http|422|unsupported", 422, "HTTP 422: unsupported content in block 7");

  it("finds a video by title, original file name or id prefix", async () => {
    expect((await search(pool, "lisbon")).videos.map((v) => v.id)).toEqual([a]);
    expect((await search(pool, "img_2041")).videos.map((v) => v.id)).toEqual([a]);
    expect((await search(pool, b.slice(0, 8))).videos.map((v) => v.id)).toEqual([b]);
    expect((await search(pool, "nothing-like-this")).videos).toEqual([]);
  });

  it("finds a frame by video and index, and errors by text in their message", async () => {
    expect((await search(pool, `${a.slice(0, 8)}#2`)).frame).toEqual({ videoId: a, title: "Holiday in Lisbon", index: 2, status: "failed" });
    expect((await search(pool, `${a.slice(0, 8)} 9`)).frame).toBeNull();
    const errors = (await search(pool, "unsupported content")).errors;
    expect(errors).toEqual([{ videoId: b, title: "Board meeting", frameIndex: 0, message: "HTTP 422: unsupported content in block 7" }]);
  });

  it("groups failed frames of all videos by cause, with how many videos each touches", async () => {
    const { groups } = await listFailureGroups(pool);
    expect(groups.map((g) => [g.fingerprint, g.frames, g.videos, g.httpStatus])).toEqual([
      ["http|503|upstream busy", 3, 2, 503],
      ["http|422|unsupported", 1, 1, 422],
    ]);
    expect(groups[0]!.sample.map((s) => [s.videoId, s.frames])).toEqual([[a, 2], [b, 1]]);
  });
});
