import type pg from "pg";
import { ERRORS, Server, TUS_RESUMABLE } from "@tus/server";
import { createPool, pool } from "@/lib/db/client";
import { databaseUrl, env } from "@/lib/env";
import { errorResponse } from "@/lib/http/respond";
import type { PipelineContext } from "@/lib/pipeline/context";
import { pipelineContext } from "@/lib/server/pipeline-context";
import { processStorage } from "@/lib/storage/open-storage";
import type { Storage } from "@/lib/storage/storage";
import { formatBytes } from "./multipart";
import { checkUploadText } from "./names";
import { PgLocker } from "./pg-locker";
import { SharedTusStore } from "./shared-store";
import { isUploadId, UploadFinisher, type UploadResult } from "./upload-videos";

// Resumable uploads (tus 1.0) at /api/uploads, served by @tus/server from a
// Next route handler (server.handleWeb streams the request body; nothing is
// buffered). Nothing of an upload lives in the web process: its state is a
// row in PostgreSQL and its bytes are part objects in storage
// (shared-store.ts), and its lock is a PostgreSQL advisory lock
// (pg-locker.ts). So any web process serves any request of any upload (a
// load balancer needs no stickiness), and a restarted one carries on.
//
// What this adds around the library:
// - a finished upload becomes a video (upload-videos.ts), and the final PATCH
//   answers the refusal when it is not a video;
// - GET /api/uploads/{id}/video says which video an upload became;
// - an upload that already became a video (or was refused) keeps answering
//   HEAD as complete, so a client that lost the final response and resumes is
//   told "done" rather than "gone";
// - errors are JSON `{error: {code, message}}` like the rest of the API.

export const UPLOADS_PATH = "/api/uploads";

/**
 * Unfinished uploads are removed 24 h after they were created (tus
 * expiration extension: PATCH/HEAD answer 410 after that, and the hourly
 * sweep deletes the files). Counted from creation, as @tus/file-store does,
 * not from the last byte: 24 h still carries 20 GiB at 2 Mbit/s.
 */
export const UPLOAD_EXPIRY_MS = 24 * 3600_000;
const SWEEP_INTERVAL_MS = 3600_000;
const FIRST_SWEEP_DELAY_MS = 30_000;

export interface UploadService {
  server: Server;
  store: SharedTusStore;
  finisher: UploadFinisher;
  maxBytes: number;
  stop(): void;
}

export function createUploadService(options: {
  storage: Storage;
  /** For the upload rows. */
  pool: pg.Pool;
  /**
   * For the locks only: each lock holds a connection for as long as its
   * request streams, so they cannot share the rows' pool (locked requests
   * waiting for a connection held by other locked requests would deadlock).
   */
  lockPool: pg.Pool;
  maxBytes: number;
  context: () => Promise<PipelineContext>;
  expiryMs?: number;
  sweep?: boolean;
}): UploadService {
  const store = new SharedTusStore(options.storage, options.pool, options.expiryMs ?? UPLOAD_EXPIRY_MS);
  const finisher = new UploadFinisher({ store, pool: options.pool, context: options.context });

  const server = new Server({
    path: UPLOADS_PATH,
    datastore: store,
    locker: new PgLocker(options.lockPool),
    maxSize: options.maxBytes,
    // Behind a TLS proxy the Host/proto seen here are not the browser's; a
    // relative Location is resolved by tus-js-client against the endpoint.
    relativeLocation: true,
    // Same-origin only: the API authenticates with a session cookie or a
    // bearer token, and a CORS preflight carries neither.
    allowedOrigins: () => false,
    // A complete upload is turned into a video; deleting it under the finish would race.
    disableTerminationForFinishedUploads: true,
    onUploadCreate: async (_request, upload) => {
      refuseAtCreation(upload);
      return {};
    },
    onUploadFinish: async (request, upload) => {
      const result = await finisher.finish(upload.id);
      if (request.method === "POST") finishedByPost.set(request, { uploadId: upload.id, result });
      return finishResponse(result);
    },
    onResponseError: (_request, error) => {
      if (error instanceof Error && !("status_code" in error)) console.error("[uploads] unexpected error:", error);
      return undefined;
    },
  });

  const timers: NodeJS.Timeout[] = [];
  if (options.sweep !== false) {
    const sweep = () => {
      finisher.sweep().catch((error) => console.error("[uploads] sweep failed:", error));
    };
    timers.push(setTimeout(sweep, FIRST_SWEEP_DELAY_MS).unref(), setInterval(sweep, SWEEP_INTERVAL_MS).unref());
  }
  return { server, store, finisher, maxBytes: options.maxBytes, stop: () => timers.forEach(clearTimeout) };
}

// The locks' own pool: a PATCH holds its lock's connection for as long as
// its body streams, so this also caps the PATCHes one process serves at once
// (the next ones wait for a connection).
const globalForLocks = globalThis as unknown as { fwUploadLockPool?: pg.Pool };
function uploadLockPool(): pg.Pool {
  globalForLocks.fwUploadLockPool ??= createPool(databaseUrl(), 20);
  return globalForLocks.fwUploadLockPool;
}

// One tus server per process (its in-flight finishes are per process, and
// Next's dev reloads must not start a second sweep); its state is shared.
const globalForUploads = globalThis as unknown as { fwUploads?: UploadService };

export function uploadService(): UploadService {
  if (!globalForUploads.fwUploads) {
    const e = env();
    globalForUploads.fwUploads = createUploadService({
      storage: processStorage(e),
      pool: pool(),
      lockPool: uploadLockPool(),
      maxBytes: e.MAX_UPLOAD_BYTES,
      context: pipelineContext,
    });
  }
  return globalForUploads.fwUploads;
}

/** Drops this process's tus server (shutdown, or a test simulating a restart). */
export function stopUploadService(): void {
  globalForUploads.fwUploads?.stop();
  globalForUploads.fwUploads = undefined;
}

/** What a creation request may not be: empty (nothing to become a video), or named with control characters. */
function refuseAtCreation(upload: { size?: number; metadata?: Record<string, string | null> }): void {
  const refuse = (code: string, message: string) => {
    throw { status_code: 400, body: JSON.stringify({ error: { code, message } }) };
  };
  if (upload.size === 0) refuse("empty_file", "The file is empty (0 bytes); there is nothing to upload.");
  for (const [key, what] of [["filename", "file name"], ["title", "title"]] as const) {
    const value = upload.metadata?.[key];
    if (!value) continue;
    try {
      checkUploadText(value, what);
    } catch (error) {
      refuse((error as { code: string }).code, (error as Error).message);
    }
  }
}

// A POST that carried the whole file (creation-with-upload) is finished inside
// it; @tus/server then re-reads the upload to set Upload-Expires and finds it
// already handed to the pipeline (404). The finish is remembered here, per
// request, and handleUploadRequest answers it instead.
const finishedByPost = new WeakMap<Request, { uploadId: string; result: UploadResult | null }>();

function postFinishResponse(finished: { uploadId: string; result: UploadResult | null }): Response {
  const answer = finishResponse(finished.result);
  const headers = new Headers({ "Tus-Resumable": TUS_RESUMABLE, ...answer.headers });
  const status = answer.status_code ?? 201;
  if (status === 201) {
    headers.set("Location", `${UPLOADS_PATH}/${finished.uploadId}`);
    headers.set("Upload-Offset", String(finished.result?.sizeBytes ?? 0));
  }
  return new Response(answer.body ?? null, { status, headers });
}

/** The answer the last PATCH (or a POST carrying the whole file) gives once the upload is complete. */
function finishResponse(result: UploadResult | null): { status_code?: number; headers?: Record<string, string>; body?: string } {
  const json = { "Content-Type": "application/json" };
  switch (result?.state) {
    case "created":
      return { headers: { "Video-Id": result.videoId } };
    case "refused":
      return { status_code: result.status, headers: json, body: JSON.stringify({ error: result.error }) };
    case "finishing":
      // 5xx: tus-js-client retries, its HEAD is told "complete", and it then
      // polls GET .../video, which carries the finish on.
      return {
        status_code: 503,
        headers: { ...json, "Retry-After": "5" },
        body: JSON.stringify({
          error: { code: "video_not_created_yet", message: "All bytes arrived, but the video could not be created yet; the server keeps trying." },
        }),
      };
    default:
      return { status_code: 500, headers: json, body: JSON.stringify({ error: { code: "upload_lost", message: "The upload's data went missing on the server; upload the file again." } }) };
  }
}

/**
 * Everything under /api/uploads, after authentication. `segments` is the
 * path after /api/uploads: [] for creation, [id] for one upload, [id, "video"].
 */
export async function handleUploadRequest(request: Request, segments: string[]): Promise<Response> {
  const service = uploadService();
  const method = request.method.toUpperCase();
  const [uploadId, sub, ...rest] = segments;

  if (sub !== undefined || rest.length > 0) {
    if (sub === "video" && rest.length === 0 && method === "GET") return videoOfUpload(service, uploadId);
    return errorResponse(404, "not_found", "No such upload resource.");
  }
  // tus's GET would serve the uploaded bytes back; nothing needs that.
  if (method === "GET") return errorResponse(405, "method_not_allowed", "Uploads speak tus 1.0 (POST, HEAD, PATCH, DELETE); GET only .../{id}/video.");
  if (method === "POST" && uploadId !== undefined) return errorResponse(405, "method_not_allowed", `Create uploads with POST ${UPLOADS_PATH}.`);

  if (isUploadId(uploadId) && (method === "HEAD" || method === "PATCH" || method === "DELETE")) {
    const result = await service.finisher.readResult(uploadId);
    if (result) return answerFinishedUpload(service, request, method, result);
  }

  const response = await service.server.handleWeb(request);
  const finishedInPost = method === "POST" ? finishedByPost.get(request) : undefined;
  if (finishedInPost) return postFinishResponse(finishedInPost);
  if (method === "HEAD" && isUploadId(uploadId) && response.status === 200) {
    // Complete on disk but not (yet) a video: the process died between the
    // last byte and onUploadFinish. The client is about to ask for its video.
    const offset = response.headers.get("upload-offset");
    if (offset !== null && offset === response.headers.get("upload-length")) service.finisher.finishInBackground(uploadId);
  }
  return withJsonError(response, method, service.maxBytes);
}

function answerFinishedUpload(service: UploadService, request: Request, method: string, result: UploadResult): Response {
  const headers = { "Tus-Resumable": TUS_RESUMABLE, "Cache-Control": "no-store" };
  if (result.state === "finishing") service.finisher.finishInBackground(result.uploadId);
  const size = String(result.sizeBytes);
  if (method === "HEAD") {
    return new Response(null, { status: 200, headers: { ...headers, "Upload-Offset": size, "Upload-Length": size } });
  }
  if (method === "PATCH" && request.headers.get("upload-offset") === size && request.headers.get("content-length") === "0") {
    return new Response(null, { status: 204, headers: { ...headers, "Upload-Offset": size } });
  }
  if (method === "PATCH") {
    return withHeaders(errorResponse(409, "upload_complete", `This upload is complete (${size} bytes); nothing more can be appended.`), headers);
  }
  return withHeaders(
    errorResponse(400, "upload_complete", "This upload is complete and was handed to the pipeline; delete the video instead."),
    headers,
  );
}

async function videoOfUpload(service: UploadService, uploadId: string | undefined): Promise<Response> {
  const notReady = (code: string, message: string) => errorResponse(404, code, message);
  if (!isUploadId(uploadId)) return notReady("upload_not_found", "No upload with this id.");
  const result = await service.finisher.readResult(uploadId);
  if (result?.state === "created") return Response.json({ videoId: result.videoId });
  if (result?.state === "refused") return errorResponse(result.status, result.error.code, result.error.message);
  if (result?.state === "finishing") {
    service.finisher.finishInBackground(uploadId);
    return notReady("video_not_ready", "The upload is complete; its video is being created.");
  }
  const upload = await service.store.getUpload(uploadId).catch(() => null);
  if (!upload) return notReady("upload_not_found", "No upload with this id: it expired, was canceled, or its answer was forgotten (kept 7 days).");
  if (upload.size !== undefined && upload.offset === upload.size) {
    service.finisher.finishInBackground(uploadId);
    return notReady("video_not_ready", "The upload is complete; its video is being created.");
  }
  return notReady("upload_incomplete", `The upload has ${upload.offset} of ${upload.size ?? "?"} bytes; resume it to finish.`);
}

function withHeaders(response: Response, headers: Record<string, string>): Response {
  for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
  return response;
}

/** tus answers errors as plain text; the API's contract is `{error: {code, message}}`. */
async function withJsonError(response: Response, method: string, maxBytes: number): Promise<Response> {
  if (response.status < 400 || response.headers.get("content-type")?.includes("application/json")) return response;
  const text = (await response.text()).trim();
  const [code, message] = ownError(text) ?? describeTusError(response.status, text, maxBytes);
  const headers = new Headers(response.headers);
  headers.delete("content-length");
  if (method === "HEAD") return new Response(null, { status: response.status, headers });
  headers.set("content-type", "application/json");
  return new Response(JSON.stringify({ error: { code, message } }), { status: response.status, headers });
}

/** An error our own hooks threw (already `{error: {code, message}}`), which tus sent as text. */
function ownError(text: string): [string, string] | null {
  if (!text.startsWith("{")) return null;
  try {
    const { error } = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    return typeof error?.code === "string" && typeof error.message === "string" ? [error.code, error.message] : null;
  } catch {
    return null;
  }
}

function describeTusError(status: number, text: string, maxBytes: number): [string, string] {
  const is = (e: { status_code: number; body: string }) => status === e.status_code && text === e.body.trim();
  if (is(ERRORS.FILE_NOT_FOUND)) return ["upload_not_found", "No upload with this id: it was canceled or never existed. Start the upload again."];
  if (is(ERRORS.FILE_NO_LONGER_EXISTS)) {
    return ["upload_expired", `This upload expired: uploads not finished within ${UPLOAD_EXPIRY_MS / 3600_000} hours are removed. Start it again.`];
  }
  if (is(ERRORS.INVALID_OFFSET)) return ["offset_conflict", "Upload-Offset does not match the bytes the server has; ask with HEAD and resume from its Upload-Offset."];
  if (is(ERRORS.ERR_MAX_SIZE_EXCEEDED)) return ["file_too_large", `The file is larger than the limit of ${formatBytes(maxBytes)} (MAX_UPLOAD_BYTES).`];
  if (is(ERRORS.ERR_SIZE_EXCEEDED)) return ["upload_too_long", "This request carries more bytes than the upload declared."];
  if (is(ERRORS.ABORTED)) return ["upload_interrupted", "The upload request was interrupted; ask with HEAD and resume from its Upload-Offset."];
  if (is(ERRORS.INVALID_TERMINATION)) return ["upload_complete", "This upload is complete and was handed to the pipeline; delete the video instead."];
  const code = text.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_|_$/g, "").slice(0, 48) || `http_${status}`;
  return [code, text || `The upload request failed (HTTP ${status}).`];
}
