import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { probeMedia } from "@/lib/media/probe";
import { videoPaths } from "@/lib/storage/paths";
import { inspectFile, makeSpeechClip } from "@/test/support/clips";
import { createTestPipeline, processUpload, startTestWorker } from "@/test/support/pipeline";

// The captions stage inside the pipeline: a worker with captions on (auto:
// pocketsphinx, installed in CI), the real speech recording, and the
// captions muxed into the encoded MP4.
describe("the pipeline with captions", async () => {
  const { url, pool, ctx, dataDir } = await createTestPipeline();
  await startTestWorker(url, dataDir, { transcriber: { captions: "auto" } });

  it("transcribes the speech with pocketsphinx, serves the WebVTT and muxes it into the MP4", { timeout: 180_000 }, async () => {
    const { id, status } = await processUpload(ctx, await makeSpeechClip(path.join(dataDir, "speech.mp4")), 150_000);
    const { rows } = await pool.query(`SELECT name, status, message, result, error FROM video_stages WHERE video_id = $1`, [id]);
    expect(status, JSON.stringify(rows)).toBe("completed");
    const captions = rows.find((r) => r.name === "captions");
    expect(captions).toMatchObject({ status: "succeeded", result: { transcriber: "pocketsphinx" } });
    expect(captions.result.cues).toBeGreaterThan(0);

    const vtt = await readFile(videoPaths(dataDir, id).captions, "utf8");
    expect(vtt.startsWith("WEBVTT")).toBe(true);
    for (const word of ["leisure", "consider", "selfish"]) expect(vtt).toContain(word);
    // encode waited for nothing but enhance; captions were ready by then or not. Either way the MP4 plays.
    const out = await probeMedia(videoPaths(dataDir, id).output);
    expect(out.hasAudio).toBe(true);
    const encode = rows.find((r) => r.name === "encode");
    const inspected = await inspectFile(videoPaths(dataDir, id).output);
    expect(inspected.subtitle?.codec ?? null).toBe(encode.result.captions === true ? "mov_text" : null);
  });
});
