import { describe, expect, it } from "vitest";
import { s3Storage } from "@/lib/storage/s3-storage";
import { startS3 } from "@/test/support/s3";
import { receiveMultipartFile } from "./multipart";

// A multipart upload streams straight into object storage (s3rver through
// the AWS SDK v3); the size limit holds while the bytes stream.

const s3 = await startS3();
const storage = s3Storage(s3.settings);

function form(file: Buffer, fields: Record<string, string> = {}): Request {
  const data = new FormData();
  for (const [k, v] of Object.entries(fields)) data.append(k, v);
  data.append("file", new Blob([new Uint8Array(file)]), "clip.mp4");
  return new Request("http://localhost/api/videos", { method: "POST", body: data });
}

describe("multipart uploads to storage", () => {
  it("stores the file's exact bytes as one object and returns the other fields", async () => {
    const bytes = Buffer.alloc(10 * 1024 * 1024, 9); // over one 8 MiB part: a real multipart upload
    bytes.write("start", 0);
    const received = await receiveMultipartFile(form(bytes, { title: "A title" }), { maxBytes: 20 * 1024 * 1024, store: (body) => storage.put("videos/m1/source", body) });
    expect(received).toEqual({ originalName: "clip.mp4", sizeBytes: bytes.length, fields: { title: "A title" } });
    expect((await storage.get("videos/m1/source"))?.equals(bytes)).toBe(true);
  });

  it("refuses a file over the limit with 413 and keeps nothing of it", async () => {
    const error = await receiveMultipartFile(form(Buffer.alloc(3 * 1024 * 1024, 1)), { maxBytes: 1024 * 1024, store: (body) => storage.put("videos/m2/source", body) }).catch((e) => e);
    expect(error).toMatchObject({ kind: "too_large", code: "file_too_large", message: "The file is larger than the limit of 1.0 MiB (MAX_UPLOAD_BYTES)." });
    expect(await storage.head("videos/m2/source")).toBeNull();
    expect(await storage.usage("videos/m2/")).toEqual({ objects: 0, bytes: 0 });
  });
});
