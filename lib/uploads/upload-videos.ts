import { randomBytes } from "node:crypto";
import { readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { FileStore } from "@tus/file-store";
import { z } from "zod";
import { toErrorResponse } from "@/lib/http/respond";
import { createVideo } from "@/lib/pipeline/commands";
import type { PipelineContext } from "@/lib/pipeline/context";
import { DomainError } from "@/lib/pipeline/errors";

// What happens to a tus upload once its last byte is on disk: it becomes a
// video (createVideo probes it, refuses what is not a video, moves it under
// the video's folder and queues the pipeline), and the outcome is kept in a
// small sidecar `<uploadId>.video.json` beside the upload so the browser can
// ask "which video did my upload become?" after tus has forgotten the upload.
//
// The order of writes is what makes this safe across a crash at any point:
// the sidecar says "finishing" *before* createVideo moves the data file away,
// and says "created"/"refused" *before* the tus data and info files are
// removed. So at every instant either tus still holds the complete upload or
// the sidecar exists, and a client that resumes (HEAD) is always told its
// bytes all arrived. A "finishing" sidecar that no one in this process is
// working on was left by a crash; the next HEAD, GET .../video or sweep
// carries it on.

const errorBody = z.object({ code: z.string(), message: z.string() });

const resultSchema = z.discriminatedUnion("state", [
  z.object({ state: z.literal("finishing"), uploadId: z.string(), sizeBytes: z.number(), startedAt: z.string() }),
  z.object({ state: z.literal("created"), uploadId: z.string(), sizeBytes: z.number(), videoId: z.string(), finishedAt: z.string() }),
  z.object({
    state: z.literal("refused"),
    uploadId: z.string(),
    sizeBytes: z.number(),
    status: z.number().int().min(400).max(599),
    error: errorBody,
    finishedAt: z.string(),
  }),
]);

export type UploadResult = z.infer<typeof resultSchema>;

// tus ids are Uid.rand(): 16 random bytes as hex. Anything else never reaches the file system.
const UPLOAD_ID = /^[0-9a-f]{32}$/;
export const isUploadId = (id: string | undefined): id is string => !!id && UPLOAD_ID.test(id);

/** How long the answer to GET /api/uploads/{id}/video is kept after the upload finished. */
export const RESULT_TTL_MS = 7 * 24 * 3600_000;

export interface UploadFinisherOptions {
  store: FileStore;
  context: () => Promise<PipelineContext>;
}

export interface SweepReport {
  finished: number;
  expired: number;
  forgotten: number;
}

export class UploadFinisher {
  // One finish per upload at a time in this process; the tus server runs in
  // one web process (its MemoryLocker is per process too).
  private readonly inFlight = new Map<string, Promise<UploadResult | null>>();

  constructor(private readonly options: UploadFinisherOptions) {}

  private get directory(): string {
    return this.options.store.directory;
  }

  private resultPath(uploadId: string): string {
    return path.join(this.directory, `${uploadId}.video.json`);
  }

  async readResult(uploadId: string): Promise<UploadResult | null> {
    if (!isUploadId(uploadId)) return null;
    let text: string;
    try {
      text = await readFile(this.resultPath(uploadId), "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw error;
    }
    return resultSchema.parse(JSON.parse(text));
  }

  // Readers see the old sidecar or the new one, never half of one: write
  // beside it, then rename over it (atomic within one file system).
  private async writeResult(result: UploadResult): Promise<void> {
    const target = this.resultPath(result.uploadId);
    const temp = `${target}.${randomBytes(4).toString("hex")}.tmp`;
    try {
      await writeFile(temp, JSON.stringify(result));
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  /**
   * Turns a complete upload into a video, once; returns the outcome, or null
   * when there is no complete upload with this id (unknown, or bytes missing).
   */
  finish(uploadId: string): Promise<UploadResult | null> {
    const running = this.inFlight.get(uploadId);
    if (running) return running;
    const run = this.runFinish(uploadId).finally(() => this.inFlight.delete(uploadId));
    this.inFlight.set(uploadId, run);
    return run;
  }

  /** Starts finish() without waiting, for requests that only need to nudge it. */
  finishInBackground(uploadId: string): void {
    if (this.inFlight.has(uploadId)) return;
    this.finish(uploadId).catch((error) => console.error(`[uploads] finishing upload ${uploadId} failed:`, error));
  }

  private async runFinish(uploadId: string): Promise<UploadResult | null> {
    if (!isUploadId(uploadId)) return null;
    const previous = await this.readResult(uploadId);
    if (previous && previous.state !== "finishing") return previous;

    const upload = await this.options.store.getUpload(uploadId).catch(() => null);
    if (!upload) {
      // "finishing" but the data file is gone: a crash after createVideo moved
      // it. Whether the video row was committed cannot be told from here (the
      // schema has no upload id), so say so plainly rather than guess.
      if (!previous) return null;
      return this.settle({
        state: "refused",
        uploadId,
        sizeBytes: previous.sizeBytes,
        status: 500,
        error: {
          code: "upload_interrupted",
          message: "The server restarted while turning this upload into a video. If the video is not in the list, upload the file again.",
        },
        finishedAt: new Date().toISOString(),
      });
    }
    if (upload.size === undefined || upload.offset !== upload.size) return null;

    const sizeBytes = upload.size;
    const dataPath = path.join(this.directory, uploadId);
    await this.writeResult({ state: "finishing", uploadId, sizeBytes, startedAt: new Date().toISOString() });

    const metadata = upload.metadata ?? {};
    const originalName = path.basename(metadata.filename?.trim() || "upload");
    try {
      const { id: videoId } = await createVideo(await this.options.context(), {
        tempPath: dataPath,
        originalName,
        // Without a title, createVideo uses the file name less its extension.
        title: metadata.title ?? null,
        sizeBytes,
      });
      return await this.settle({ state: "created", uploadId, sizeBytes, videoId, finishedAt: new Date().toISOString() });
    } catch (error) {
      const stillHere = await stat(dataPath).then(
        () => true,
        () => false,
      );
      if (!(error instanceof DomainError) && stillHere) {
        // A passing failure (database down, queue not started) before the
        // file was touched: keep the bytes and the "finishing" mark, so the
        // next HEAD, GET .../video or sweep tries again. Throwing a
        // multi-GB upload away for that would be the worst answer.
        console.error(`[uploads] upload ${uploadId}: the video could not be created yet; will retry:`, error);
        return { state: "finishing", uploadId, sizeBytes, startedAt: new Date().toISOString() };
      }
      // Refused (not a video), or failed after createVideo had already
      // removed the file: either way the bytes are gone, so this is final.
      const response = toErrorResponse(error);
      const { error: refusal } = (await response.json()) as { error: { code: string; message: string } };
      // The probe names the file it read, which here is the upload id: say the operator's file name instead.
      refusal.message = refusal.message.replaceAll(dataPath, originalName).replaceAll(uploadId, originalName);
      return this.settle({ state: "refused", uploadId, sizeBytes, status: response.status, error: refusal, finishedAt: new Date().toISOString() });
    }
  }

  /** Records the final outcome, then lets go of the tus files (never the other way round). */
  private async settle(result: UploadResult): Promise<UploadResult> {
    await this.writeResult(result);
    await this.removeUploadFiles(result.uploadId);
    return result;
  }

  private async removeUploadFiles(uploadId: string): Promise<void> {
    await rm(path.join(this.directory, uploadId), { force: true });
    await rm(path.join(this.directory, `${uploadId}.json`), { force: true });
  }

  /**
   * Housekeeping, run by the server every hour (and callable directly):
   * - complete uploads nobody turned into a video (the process died between
   *   the last byte and onUploadFinish, and the browser never came back) are
   *   finished now;
   * - unfinished uploads older than the store's expiration are removed (the
   *   tus expiration extension: their PATCH/HEAD already answer 410);
   * - a "finishing" sidecar no one works on is carried on; final sidecars
   *   older than RESULT_TTL_MS are removed.
   */
  async sweep(now = Date.now()): Promise<SweepReport> {
    const report: SweepReport = { finished: 0, expired: 0, forgotten: 0 };
    const store = this.options.store;
    const expiresAfter = store.getExpiration();

    for (const uploadId of (await store.configstore.list?.()) ?? []) {
      if (!isUploadId(uploadId) || this.inFlight.has(uploadId)) continue;
      const upload = await store.getUpload(uploadId).catch(() => null);
      if (!upload) {
        // Info without data: a finish that settled but died before removing
        // the info file, or data lost some other way.
        const result = await this.readResult(uploadId);
        const info = await store.configstore.get(uploadId);
        const created = info?.creation_date ? Date.parse(info.creation_date) : 0;
        if ((result && result.state !== "finishing") || (!result && now > created + expiresAfter)) {
          await this.removeUploadFiles(uploadId);
        }
        continue;
      }
      if (upload.size !== undefined && upload.offset === upload.size) {
        await this.finish(uploadId);
        report.finished++;
        continue;
      }
      const created = upload.creation_date ? Date.parse(upload.creation_date) : now;
      if (expiresAfter > 0 && now > created + expiresAfter) {
        await this.removeUploadFiles(uploadId);
        report.expired++;
      }
    }

    const sidecars = (await readdir(this.directory)).filter((name) => name.endsWith(".video.json"));
    for (const name of sidecars) {
      const uploadId = name.slice(0, -".video.json".length);
      if (!isUploadId(uploadId) || this.inFlight.has(uploadId)) continue;
      const result = await this.readResult(uploadId).catch(() => null);
      if (result?.state === "finishing") {
        await this.finish(uploadId);
        continue;
      }
      const finishedAt = result ? Date.parse(result.finishedAt) : 0;
      if (now > finishedAt + RESULT_TTL_MS) {
        await rm(this.resultPath(uploadId), { force: true });
        report.forgotten++;
      }
    }
    return report;
  }
}
