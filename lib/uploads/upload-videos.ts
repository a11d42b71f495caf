import { createHash } from "node:crypto";
import path from "node:path";
import type pg from "pg";
import { z } from "zod";
import { toErrorResponse } from "@/lib/http/respond";
import { createVideo } from "@/lib/pipeline/commands";
import type { PipelineContext } from "@/lib/pipeline/context";
import { DomainError } from "@/lib/pipeline/errors";
import type { SharedTusStore } from "./shared-store";
import { claimTusFinish, deleteTusUpload, listTusUploadsToSweep, readTusUpload, settleTusUpload } from "./sql/tus-uploads";

// What happens to a tus upload once its last byte is stored: it becomes a
// video (createVideo copies the parts into the video's source object, probes
// it, refuses what is not a video and queues the pipeline), and the outcome
// is kept on the upload's row (tus_uploads.result) so the browser can ask
// "which video did my upload become?" from any web process, after the bytes
// are gone.
//
// Order of writes, safe across a crash at any point and across processes:
// - the row says "finishing" (with a claim that lapses) before createVideo
//   runs, so one process at a time works on it and a crashed one's work is
//   carried on by the next HEAD, GET .../video or sweep;
// - the video's id is derived from the upload id, so a retry after a crash
//   that came after the video was committed finds that video instead of
//   creating a second one;
// - the row says "created"/"refused" before the parts are removed.

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

// tus ids are Uid.rand(): 16 random bytes as hex. Anything else never reaches storage or SQL.
const UPLOAD_ID = /^[0-9a-f]{32}$/;
export const isUploadId = (id: string | undefined): id is string => !!id && UPLOAD_ID.test(id);

/** How long the answer to GET /api/uploads/{id}/video is kept after the upload finished. */
export const RESULT_TTL_MS = 7 * 24 * 3600_000;
/** How long one process may take to turn an upload into a video before another may carry it on. */
const FINISH_HOLD_SECONDS = 15 * 60;

/** The video id an upload becomes: a UUID (v4 layout) from the upload id, the same in every process. */
export function videoIdForUpload(uploadId: string): string {
  const h = createHash("sha256").update(`framewise-upload:${uploadId}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export interface UploadFinisherOptions {
  store: SharedTusStore;
  pool: pg.Pool;
  context: () => Promise<PipelineContext>;
}

export interface SweepReport {
  finished: number;
  expired: number;
  forgotten: number;
}

export class UploadFinisher {
  // One finish per upload at a time in this process (across processes: the row's claim).
  private readonly inFlight = new Map<string, Promise<UploadResult | null>>();

  constructor(private readonly options: UploadFinisherOptions) {}

  async readResult(uploadId: string): Promise<UploadResult | null> {
    if (!isUploadId(uploadId)) return null;
    const row = await readTusUpload(this.options.pool, uploadId);
    return row?.result ? resultSchema.parse(row.result) : null;
  }

  /**
   * Turns a complete upload into a video, once; returns the outcome, or null
   * when there is no complete upload with this id.
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
    const { pool, store } = this.options;
    const row = await readTusUpload(pool, uploadId);
    if (!row) return null;
    const previous = row.result ? resultSchema.parse(row.result) : null;
    if (previous && previous.state !== "finishing") return previous;
    if (row.uploadLength === null || row.uploadOffset !== row.uploadLength) return null;

    const sizeBytes = row.uploadLength;
    const finishing: UploadResult = { state: "finishing", uploadId, sizeBytes, startedAt: new Date().toISOString() };
    // Another process is on it (or just settled it): answer what the row says.
    if (!(await claimTusFinish(pool, uploadId, FINISH_HOLD_SECONDS, finishing))) return this.readResult(uploadId);

    const metadata = row.metadata ?? {};
    const originalName = path.basename(metadata.filename?.trim() || "upload");
    try {
      const { id: videoId } = await createVideo(await this.options.context(), {
        id: videoIdForUpload(uploadId),
        source: () => store.read(uploadId),
        originalName,
        // Without a title, createVideo uses the file name less its extension.
        title: metadata.title ?? null,
        sizeBytes,
      });
      return await this.settle({ state: "created", uploadId, sizeBytes, videoId, finishedAt: new Date().toISOString() });
    } catch (error) {
      if (!(error instanceof DomainError)) {
        // A passing failure (database down, storage unreachable): keep the
        // bytes and the "finishing" mark, so the next HEAD, GET .../video or
        // sweep tries again. Throwing a multi-GB upload away for that would
        // be the worst answer.
        console.error(`[uploads] upload ${uploadId}: the video could not be created yet; will retry:`, error);
        await settleTusUpload(pool, uploadId, finishing, false);
        return finishing;
      }
      // Refused: not a video. Final.
      const response = toErrorResponse(error);
      const { error: refusal } = (await response.json()) as { error: { code: string; message: string } };
      // The probe names the object it read: say the operator's file name instead.
      refusal.message = refusal.message.replaceAll(uploadId, originalName);
      return this.settle({ state: "refused", uploadId, sizeBytes, status: response.status, error: refusal, finishedAt: new Date().toISOString() });
    }
  }

  /** Records the final outcome, then lets go of the bytes (never the other way round). */
  private async settle(result: UploadResult): Promise<UploadResult> {
    await settleTusUpload(this.options.pool, result.uploadId, result, true);
    await this.options.store.removeData(result.uploadId);
    return result;
  }

  /**
   * Housekeeping, run by each web process every hour (and callable directly):
   * complete uploads nobody turned into a video are finished now; unfinished
   * uploads older than the expiration are removed (their PATCH/HEAD already
   * answer 410); a "finishing" whose claim lapsed is carried on; settled
   * answers older than RESULT_TTL_MS are forgotten.
   */
  async sweep(now = Date.now()): Promise<SweepReport> {
    const report: SweepReport = { finished: 0, expired: 0, forgotten: 0 };
    const { pool, store } = this.options;
    const expiresAfter = store.getExpiration();
    const rows = await listTusUploadsToSweep(pool, new Date(now - expiresAfter), new Date(now - RESULT_TTL_MS));
    for (const row of rows) {
      if (!isUploadId(row.id) || this.inFlight.has(row.id)) continue;
      const state = (row.result as { state?: string } | null)?.state;
      if (state === "created" || state === "refused") {
        await deleteTusUpload(pool, row.id);
        report.forgotten++;
      } else if (row.uploadLength !== null && row.uploadOffset === row.uploadLength) {
        await this.finish(row.id);
        report.finished++;
      } else if (!state && expiresAfter > 0 && now > row.createdAt.getTime() + expiresAfter) {
        await store.remove(row.id);
        report.expired++;
      }
    }
    return report;
  }
}
