import { Readable } from "node:stream";
import { DomainError } from "@/lib/pipeline/errors";
import type { ServedFile } from "@/lib/pipeline/queries/video-files";
import { readPackedFrame, readResultFrame } from "@/lib/storage/frame-packs";
import type { Storage } from "@/lib/storage/storage";

/**
 * Serves a stored object (local disk or S3) with HTTP Range support (one
 * range, RFC 9110 §14): 206 with Content-Range for a satisfiable range, 416
 * for one past the end, 200 for the whole object. Streamed through this
 * process, range and all, so every web process serves every file and the
 * same authentication applies as for the rest of the API (see docs/deploy.md
 * for why this and not a redirect to a presigned URL).
 */
export async function storedObjectResponse(request: Request, storage: Storage, key: string, contentType: string, missing: string): Promise<Response> {
  const info = await storage.head(key);
  if (!info) throw new DomainError("not_found", "not_ready", missing);
  return rangedResponse(request, info.size, contentType, info.modified, (range) => body(storage, key, missing, range));
}

/** A served file: a stored object, or one frame read out of a pack (served from memory, ranges and all). */
export async function servedFileResponse(request: Request, storage: Storage, file: ServedFile): Promise<Response> {
  if (file.packedFrame === undefined) return storedObjectResponse(request, storage, file.key, file.contentType, file.missing);
  const { videoId, index, resultPack } = file.packedFrame;
  const bytes = resultPack === undefined ? await readPackedFrame(storage, videoId, index) : await readResultFrame(storage, videoId, index, resultPack);
  if (!bytes) throw new DomainError("not_found", "not_ready", file.missing);
  return rangedResponse(request, bytes.length, file.contentType, null, async ({ start, end }) => new Uint8Array(bytes.subarray(start, end + 1)));
}

async function rangedResponse(
  request: Request,
  size: number,
  contentType: string,
  modified: Date | null,
  read: (range: { start: number; end: number }) => Promise<ReadableStream | Uint8Array<ArrayBuffer>>,
): Promise<Response> {
  const headers: Record<string, string> = { "Content-Type": contentType, "Accept-Ranges": "bytes", "Cache-Control": "private, no-cache", ...(modified ? { "Last-Modified": modified.toUTCString() } : {}) };
  const range = request.headers.get("range");
  const match = range ? /^bytes=(\d*)-(\d*)$/.exec(range.trim()) : null;
  if (range && match && (match[1] !== "" || match[2] !== "")) {
    let start: number;
    let end: number;
    if (match[1] === "") {
      start = Math.max(0, size - Number(match[2]));
      end = size - 1;
    } else {
      start = Number(match[1]);
      end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
    }
    if (start >= size || start > end) {
      return new Response(null, { status: 416, headers: { ...headers, "Content-Range": `bytes */${size}` } });
    }
    return new Response(request.method === "HEAD" ? null : await read({ start, end }), {
      status: 206,
      headers: { ...headers, "Content-Range": `bytes ${start}-${end}/${size}`, "Content-Length": String(end - start + 1) },
    });
  }
  const whole = request.method === "HEAD" || size === 0 ? null : await read({ start: 0, end: size - 1 });
  return new Response(whole, { status: 200, headers: { ...headers, "Content-Length": String(size) } });
}

async function body(storage: Storage, key: string, missing: string, range: { start: number; end: number }): Promise<ReadableStream> {
  const stream = await storage.stream(key, range);
  // Removed between the HEAD and the GET (a retention purge, a delete).
  if (!stream) throw new DomainError("not_found", "not_ready", missing);
  return Readable.toWeb(stream as Readable) as ReadableStream;
}
