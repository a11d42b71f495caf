import { randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import busboy from "busboy";
import { DomainError } from "@/lib/pipeline/errors";

export interface ReceivedFile {
  tempPath: string;
  originalName: string;
  sizeBytes: number;
  fields: Record<string, string>;
}

/**
 * Streams the `file` field of a multipart/form-data request to a temp file in
 * `dir` (never holding it in memory), with the other text fields. A body over
 * `maxBytes` is refused (413) and its partial file removed.
 */
export async function receiveMultipartFile(request: Request, opts: { dir: string; maxBytes: number }): Promise<ReceivedFile> {
  const contentType = request.headers.get("content-type") ?? "";
  if (!contentType.toLowerCase().startsWith("multipart/form-data") || !request.body) {
    throw new DomainError("invalid", "expected_multipart", "Send the video as multipart/form-data with a field named 'file'.");
  }
  await mkdir(opts.dir, { recursive: true });
  const tempPath = path.join(opts.dir, `${randomUUID()}.part`);
  const fields: Record<string, string> = {};
  let file: { originalName: string; sizeBytes: number } | undefined;
  let tooLarge = false;

  const parser = busboy({ headers: { "content-type": contentType }, limits: { fileSize: opts.maxBytes, files: 1, fields: 10, fieldSize: 10_000 } });
  const done = new Promise<void>((resolve, reject) => {
    const writes: Promise<void>[] = [];
    parser.on("field", (name, value) => {
      fields[name] = value;
    });
    parser.on("file", (name, stream, info) => {
      if (name !== "file" || file) {
        stream.resume();
        return;
      }
      const received = { originalName: path.basename(info.filename || "upload"), sizeBytes: 0 };
      file = received;
      stream.on("data", (chunk: Buffer) => {
        received.sizeBytes += chunk.length;
      });
      stream.on("limit", () => {
        tooLarge = true;
      });
      writes.push(pipeline(stream, createWriteStream(tempPath)));
    });
    parser.on("error", reject);
    parser.on("close", () => {
      Promise.all(writes).then(() => resolve(), reject);
    });
  });
  try {
    await Promise.all([pipeline(Readable.fromWeb(request.body as unknown as WebReadableStream), parser), done]);
  } catch (error) {
    await rm(tempPath, { force: true });
    throw new DomainError("invalid", "bad_multipart", `The upload could not be read: ${(error as Error).message}`);
  }
  if (tooLarge) {
    await rm(tempPath, { force: true });
    throw new DomainError("too_large", "file_too_large", `The file is larger than the limit of ${formatBytes(opts.maxBytes)} (MAX_UPLOAD_BYTES).`);
  }
  if (!file) {
    await rm(tempPath, { force: true });
    throw new DomainError("invalid", "missing_file", "The form has no field named 'file'.");
  }
  return { tempPath, ...(file as { originalName: string; sizeBytes: number }), fields };
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
