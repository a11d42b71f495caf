import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { DataStore, ERRORS, Upload } from "@tus/utils";
import type pg from "pg";
import type { Storage } from "@/lib/storage/storage";
import { appendTusPart, declareTusLength, deleteTusUpload, insertTusUpload, readTusUpload } from "./sql/tus-uploads";

// A tus data store that keeps nothing in the web process: the upload's state
// is a row in tus_uploads and its bytes are numbered part objects in storage
// (uploads/tus/<id>/000000, 000001, ...: one per PATCH request, streamed as
// it arrives, multipart on S3). Any web process can therefore serve any
// request of any upload. A part is recorded (offset moved) only once it is
// whole in storage; a request cut off mid-body stores nothing of that body,
// and the client resumes from the offset HEAD reports.

export const TUS_PREFIX = "uploads/tus/";

export class SharedTusStore extends DataStore {
  constructor(
    readonly storage: Storage,
    private readonly pool: pg.Pool,
    private readonly expiryMs: number,
  ) {
    super();
    this.extensions = ["creation", "creation-with-upload", "creation-defer-length", "termination", "expiration"];
  }

  partKey(id: string, part: number): string {
    return `${TUS_PREFIX}${id}/${String(part).padStart(6, "0")}`;
  }

  override async create(upload: Upload): Promise<Upload> {
    upload.creation_date ??= new Date().toISOString();
    await insertTusUpload(this.pool, {
      id: upload.id,
      uploadLength: upload.size ?? null,
      metadata: (upload.metadata as Record<string, string | null> | undefined) ?? null,
      createdAt: new Date(upload.creation_date),
    });
    return upload;
  }

  override async write(readable: Readable, id: string, offset: number): Promise<number> {
    const row = await readTusUpload(this.pool, id);
    if (!row) throw ERRORS.FILE_NOT_FOUND;
    if (row.uploadOffset !== offset) throw ERRORS.INVALID_OFFSET;
    let bytes = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        done(null, chunk);
      },
    });
    // pipeline: a request body that fails (the client went away) fails the
    // part's upload with it, so a cut-off body stores nothing.
    pipeline(readable, counter).catch(() => {});
    const key = this.partKey(id, row.parts);
    await this.storage.put(key, counter, "application/octet-stream");
    if (bytes === 0 || !(await appendTusPart(this.pool, id, { offset, parts: row.parts }, bytes))) {
      await this.storage.delete(key);
      return bytes === 0 ? offset : Promise.reject(ERRORS.INVALID_OFFSET);
    }
    return offset + bytes;
  }

  override async getUpload(id: string): Promise<Upload> {
    const row = await readTusUpload(this.pool, id);
    if (!row) throw ERRORS.FILE_NOT_FOUND;
    return new Upload({
      id,
      size: row.uploadLength ?? undefined,
      offset: row.uploadOffset,
      metadata: row.metadata ?? undefined,
      creation_date: row.createdAt.toISOString(),
      storage: { type: "shared", path: `${TUS_PREFIX}${id}/` },
    });
  }

  override async declareUploadLength(id: string, length: number): Promise<void> {
    await declareTusLength(this.pool, id, length);
  }

  /** Removes the upload's bytes and its row. */
  override async remove(id: string): Promise<void> {
    await this.removeData(id);
    await deleteTusUpload(this.pool, id);
  }

  /** Removes the bytes only; the row stays (it carries the answer of GET .../video). */
  async removeData(id: string): Promise<void> {
    await this.storage.deletePrefix(`${TUS_PREFIX}${id}/`);
  }

  /** The whole upload, part after part. */
  async read(id: string): Promise<Readable> {
    const row = await readTusUpload(this.pool, id);
    if (!row) throw ERRORS.FILE_NOT_FOUND;
    const { storage } = this;
    const keys = Array.from({ length: row.parts }, (_, i) => this.partKey(id, i));
    return Readable.from(
      (async function* () {
        for (const key of keys) {
          const part = await storage.stream(key);
          if (!part) throw new Error(`part ${key} of the upload is missing from storage`);
          yield* part;
        }
      })(),
    );
  }

  override getExpiration(): number {
    return this.expiryMs;
  }
}
