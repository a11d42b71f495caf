import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { Readable } from "node:stream";
import { DomainError } from "@/lib/pipeline/errors";

/**
 * Serves a file with HTTP Range support (one range, RFC 9110 §14): 206 with
 * Content-Range for a satisfiable range, 416 for one past the end, 200 for
 * the whole file. Streams from disk.
 */
export async function fileResponse(request: Request, file: string, contentType: string, missing: string): Promise<Response> {
  const info = await stat(file).catch(() => null);
  if (!info?.isFile()) throw new DomainError("not_found", "not_ready", missing);
  const size = info.size;
  const headers: Record<string, string> = { "Content-Type": contentType, "Accept-Ranges": "bytes", "Cache-Control": "private, no-cache", "Last-Modified": info.mtime.toUTCString() };
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
    return new Response(stream(file, start, end), {
      status: 206,
      headers: { ...headers, "Content-Range": `bytes ${start}-${end}/${size}`, "Content-Length": String(end - start + 1) },
    });
  }
  return new Response(request.method === "HEAD" ? null : stream(file, 0, size - 1), { status: 200, headers: { ...headers, "Content-Length": String(size) } });
}

function stream(file: string, start: number, end: number): ReadableStream {
  return Readable.toWeb(createReadStream(file, { start, end })) as ReadableStream;
}
