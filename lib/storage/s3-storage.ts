import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { unlink } from "node:fs/promises";
import type { Readable } from "node:stream";
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { assertSafeKey } from "./keys";
import { StorageConfigError, type Storage, type StorageUsage } from "./storage";

// Any S3-compatible store (AWS S3, MinIO, Cloudflare R2, GCS's XML API)
// through the AWS SDK v3. A PUT is atomic (readers see the old object, the
// new one or none), which is what the durable-result rule needs: an enhanced
// frame's object exists only once it is whole.

export interface S3Settings {
  bucket: string;
  prefix?: string;
  region: string;
  endpoint?: string;
  forcePathStyle?: boolean;
  accessKeyId?: string;
  secretAccessKey?: string;
}

/** How long a presigned URL handed to ffmpeg lives: longer than any stage's ffmpeg run. */
const MEDIA_URL_SECONDS = 6 * 3600;
/** Multipart part size for streamed uploads (the output, the source): 8 MiB parts, 4 in flight. */
const PART_SIZE = 8 * 1024 * 1024;

export function createS3Client(s: S3Settings): S3Client {
  return new S3Client({
    region: s.region,
    endpoint: s.endpoint,
    forcePathStyle: s.forcePathStyle,
    credentials: s.accessKeyId && s.secretAccessKey ? { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey } : undefined,
    // Recent SDKs add CRC checksums to every request by default; several
    // S3-compatible stores (older MinIO, R2 for some calls, s3rver) reject or
    // mangle them. Only where the API requires one.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

const isMissing = (error: unknown) =>
  error instanceof S3ServiceException && (error.name === "NoSuchKey" || error.name === "NotFound" || error.$metadata?.httpStatusCode === 404);

export function s3Storage(settings: S3Settings, client: S3Client = createS3Client(settings)): Storage {
  const Bucket = settings.bucket;
  const base = settings.prefix ? `${settings.prefix.replace(/\/+$/, "")}/` : "";
  const Key = (key: string) => {
    assertSafeKey(key);
    return base + key;
  };

  // Pages by StartAfter (the last key seen) rather than ContinuationToken:
  // the same on AWS, and some S3-compatible servers (s3rver on Node 22+)
  // cannot decode their own continuation tokens.
  async function* list(prefix: string) {
    let StartAfter: string | undefined;
    for (;;) {
      const page = await client.send(new ListObjectsV2Command({ Bucket, Prefix: Key(prefix), StartAfter }));
      const objects = page.Contents ?? [];
      for (const o of objects) if (o.Key) yield { key: o.Key, size: o.Size ?? 0 };
      if (!page.IsTruncated || objects.length === 0) return;
      StartAfter = objects.at(-1)!.Key;
    }
  }

  const upload = async (key: string, body: Readable, contentType?: string) => {
    await new Upload({ client, params: { Bucket, Key: Key(key), Body: body, ContentType: contentType }, partSize: PART_SIZE, queueSize: 4 }).done();
  };

  return {
    kind: "s3",
    location: `s3://${Bucket}/${base}`,
    async put(key, body, contentType) {
      if (Buffer.isBuffer(body)) {
        await client.send(new PutObjectCommand({ Bucket, Key: Key(key), Body: body, ContentType: contentType, ContentLength: body.length }));
        return;
      }
      // Streamed (unknown length): multipart, 8 MiB parts; nothing is visible until CompleteMultipartUpload.
      await upload(key, body, contentType);
    },
    async putFile(key, file, contentType) {
      await upload(key, createReadStream(file), contentType);
      await unlink(file).catch(() => {});
    },
    async get(key) {
      try {
        const res = await client.send(new GetObjectCommand({ Bucket, Key: Key(key) }));
        return Buffer.from(await res.Body!.transformToByteArray());
      } catch (error) {
        if (isMissing(error)) return null;
        throw error;
      }
    },
    async stream(key, range) {
      try {
        const res = await client.send(new GetObjectCommand({ Bucket, Key: Key(key), Range: range ? `bytes=${range.start}-${range.end}` : undefined }));
        return res.Body as Readable;
      } catch (error) {
        if (isMissing(error)) return null;
        throw error;
      }
    },
    async head(key) {
      try {
        const res = await client.send(new HeadObjectCommand({ Bucket, Key: Key(key) }));
        return { size: res.ContentLength ?? 0, modified: res.LastModified ?? new Date(0) };
      } catch (error) {
        if (isMissing(error)) return null;
        throw error;
      }
    },
    async copy(from, to) {
      await client.send(new CopyObjectCommand({ Bucket, Key: Key(to), CopySource: `${Bucket}/${encodeURIComponent(Key(from)).replaceAll("%2F", "/")}` }));
    },
    async delete(key) {
      await client.send(new DeleteObjectCommand({ Bucket, Key: Key(key) }));
    },
    async deletePrefix(prefix) {
      const removed: StorageUsage = { objects: 0, bytes: 0 };
      let batch: { key: string; size: number }[] = [];
      const flush = async () => {
        if (batch.length === 0) return;
        await client.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: batch.map((o) => ({ Key: o.key })), Quiet: true } }));
        for (const o of batch) {
          removed.objects++;
          removed.bytes += o.size;
        }
        batch = [];
      };
      // Listing while deleting is safe: each page is deleted after it is read,
      // and a later page's token does not depend on the deleted keys.
      for await (const o of list(prefix)) {
        batch.push(o);
        if (batch.length === 1000) await flush();
      }
      await flush();
      return removed;
    },
    async usage(prefix) {
      const total: StorageUsage = { objects: 0, bytes: 0 };
      for await (const o of list(prefix)) {
        total.objects++;
        total.bytes += o.size;
      }
      return total;
    },
    mediaInput: (key) => getSignedUrl(client, new GetObjectCommand({ Bucket, Key: Key(key) }), { expiresIn: MEDIA_URL_SECONDS }),
    // A PUT that returned is durable in the store.
    sync: async () => {},
    async check() {
      const where = `S3 bucket "${Bucket}"${settings.endpoint ? ` at ${settings.endpoint}` : ` in ${settings.region}`}`;
      try {
        await client.send(new HeadBucketCommand({ Bucket }));
      } catch (error) {
        throw new StorageConfigError(`${where} is not reachable: ${describeS3Error(error)} (check S3_BUCKET, S3_ENDPOINT, S3_REGION and the credentials).`);
      }
      const probe = `${base}.framewise-write-check-${randomBytes(4).toString("hex")}`;
      try {
        await client.send(new PutObjectCommand({ Bucket, Key: probe, Body: "ok" }));
        await client.send(new DeleteObjectCommand({ Bucket, Key: probe }));
      } catch (error) {
        throw new StorageConfigError(`${where} is reachable but not writable under "${base || "/"}": ${describeS3Error(error)} (the credentials need s3:PutObject, s3:GetObject, s3:DeleteObject and s3:ListBucket).`);
      }
    },
  };
}

function describeS3Error(error: unknown): string {
  if (error instanceof S3ServiceException) {
    const status = error.$metadata?.httpStatusCode;
    const name = error.name === "NotFound" && status === 404 ? "no such bucket" : error.name === "Forbidden" || status === 403 ? "access denied" : error.name;
    return `${name}${status ? ` (HTTP ${status})` : ""}`;
  }
  const e = error as { code?: string; message?: string };
  return e?.code ?? e?.message ?? String(error);
}
