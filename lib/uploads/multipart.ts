import path from "node:path";
import { PassThrough, Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import busboy from "busboy";
import { DomainError } from "@/lib/pipeline/errors";
import { checkUploadText } from "./names";

export interface ReceivedFile {
  originalName: string;
  sizeBytes: number;
  fields: Record<string, string>;
}

/** Room for the form's own bytes (boundaries, part headers, a title) around a file of the maximum size. */
export const FORM_OVERHEAD_BYTES = 1024 * 1024;

const tooLargeError = (maxBytes: number) =>
  new DomainError("too_large", "file_too_large", `The file is larger than the limit of ${formatBytes(maxBytes)} (MAX_UPLOAD_BYTES).`);

/**
 * Streams the `file` field of a multipart/form-data request into `store`
 * (straight to storage: nothing is buffered in memory or kept on the web
 * process's disk), with the other text fields. A body declared
 * (Content-Length) or found to be over `maxBytes` is refused (413): the
 * declared case before a byte is read, the other the moment the limit is
 * crossed (reading stops there, and the store's stream fails, so nothing of
 * it is kept). Names are decoded as UTF-8 (busboy's default for filename*
 * parameters is latin1).
 */
export async function receiveMultipartFile(request: Request, opts: { maxBytes: number; store: (file: Readable) => Promise<void> }): Promise<ReceivedFile> {
  const contentType = request.headers.get("content-type") ?? "";
  if (!contentType.toLowerCase().startsWith("multipart/form-data") || !request.body) {
    throw new DomainError("invalid", "expected_multipart", "Send the video as multipart/form-data with a field named 'file'.");
  }
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (Number.isFinite(declared) && declared > opts.maxBytes + FORM_OVERHEAD_BYTES) throw tooLargeError(opts.maxBytes);

  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: { "content-type": contentType },
      defParamCharset: "utf8",
      limits: { fileSize: opts.maxBytes, files: 1, fields: 10, fieldSize: 10_000 },
    });
  } catch (error) {
    // "Multipart: Boundary not found" and friends: the header itself is wrong.
    throw new DomainError("invalid", "bad_multipart", `The upload could not be read: ${(error as Error).message}`);
  }
  const fields: Record<string, string> = {};
  let file: { originalName: string; sizeBytes: number } | undefined;
  let refusal: DomainError | undefined;
  // Aborts the read of the request body once the upload is refused.
  const reading = new AbortController();
  const refuse = (error: DomainError) => {
    refusal ??= error;
    // Just after busboy's own event returns (aborting tears its streams down under it).
    queueMicrotask(() => reading.abort(error));
  };

  const writes: Promise<void>[] = [];
  const done = new Promise<void>((resolve, reject) => {
    parser.on("field", (name, value) => {
      try {
        fields[name] = name === "title" ? checkUploadText(value, "title") : value;
      } catch (error) {
        refuse(error as DomainError);
      }
    });
    parser.on("file", (name, stream, info) => {
      // A part we do not keep is drained; the abort may destroy it, which is not an error here.
      const drain = () => stream.on("error", () => {}).resume();
      if (name !== "file" || file) {
        drain();
        return;
      }
      let originalName: string;
      try {
        originalName = path.basename(checkUploadText(info.filename || "upload", "file name"));
      } catch (error) {
        drain();
        refuse(error as DomainError);
        return;
      }
      const received = { originalName, sizeBytes: 0 };
      file = received;
      stream.on("data", (chunk: Buffer) => {
        received.sizeBytes += chunk.length;
      });
      const body = new PassThrough();
      // Its failures reach the caller through the store's promise; a failure
      // before the store has attached its own listener must not go uncaught.
      body.on("error", () => {});
      stream.on("limit", () => {
        body.destroy(tooLargeError(opts.maxBytes));
        refuse(tooLargeError(opts.maxBytes));
      });
      stream.on("error", (error) => body.destroy(error));
      // The store gone (the limit, a storage failure): drain the rest of the
      // file so busboy reaches the end of the form (an unpiped stream would pause it).
      body.once("close", () => {
        stream.unpipe(body);
        stream.on("error", () => {}).resume();
      });
      stream.pipe(body);
      const write = opts.store(body);
      write.catch(() => {}); // awaited below, once the form is read
      writes.push(write);
    });
    parser.on("error", reject);
    parser.on("close", () => {
      Promise.all(writes).then(() => resolve(), reject);
    });
  });
  done.catch(() => {}); // awaited below; a refusal may settle it first
  try {
    await pipeline(Readable.fromWeb(request.body as unknown as WebReadableStream), parser, { signal: reading.signal });
    await done;
  } catch (error) {
    // The store's upload must have settled (aborted, nothing kept) before the caller cleans up.
    await Promise.allSettled(writes);
    if (refusal) throw refusal;
    throw new DomainError("invalid", "bad_multipart", `The upload could not be read: ${(error as Error).message}`);
  }
  if (refusal) {
    await Promise.allSettled(writes);
    throw refusal;
  }
  if (!file) throw new DomainError("invalid", "missing_file", "The form has no field named 'file'.");
  return { ...(file as { originalName: string; sizeBytes: number }), fields };
}

export function formatBytes(n: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}
