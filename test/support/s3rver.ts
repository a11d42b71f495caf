import { createHash, randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
// s3rver has no type declarations; what is used of it is typed here.
// @ts-expect-error untyped package
import S3rver from "s3rver";

// s3rver makes its ListObjectsV2 continuation tokens with DES, which
// OpenSSL 3 (Node 17+) no longer offers, so any listing past 1,000 keys
// fails with InternalError. Test-only shim: the same round trip with AES-CTR
// (s3rver only ever decodes its own tokens).
const nodeCrypto = createRequire(import.meta.url)("node:crypto") as typeof import("node:crypto");
const widen = (b: Buffer) => Buffer.concat([b, Buffer.alloc(16 - b.length)]);
for (const name of ["createCipheriv", "createDecipheriv"] as const) {
  const original = nodeCrypto[name] as (...args: unknown[]) => unknown;
  if ((original as { fwShim?: boolean }).fwShim) continue;
  const shim = (algorithm: string, key: Buffer, iv: Buffer, ...rest: unknown[]) =>
    algorithm === "des" ? original.call(nodeCrypto, "aes-128-ctr", widen(key), widen(iv)) : original.call(nodeCrypto, algorithm, key, iv, ...rest);
  Object.assign(shim, { fwShim: true });
  (nodeCrypto as unknown as Record<string, unknown>)[name] = shim;
}

/** s3rver on 127.0.0.1 (port 0: any free one) with one bucket; objects in `directory`. */
export async function runS3rver(options: { port: number; directory: string; bucket: string }): Promise<{ port: number; close(): Promise<void> }> {
  const server = new S3rver({ port: options.port, address: "127.0.0.1", silent: true, directory: options.directory, configureBuckets: [{ name: options.bucket }] }) as {
    run(): Promise<{ port: number }>;
    close(): Promise<void>;
  };
  makePutsAtomic((server as unknown as { store: FilesystemStore }).store);
  const { port } = await server.run();
  return { port, close: () => server.close() };
}

interface FilesystemStore {
  getResourcePath(bucket: string, key: string, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5: string): Promise<void>;
  putObject(object: { bucket: string; key: string; content: Readable | Buffer; metadata: Record<string, string> }): Promise<{ size: number; md5: string }>;
}

// A PUT on S3 (and MinIO, R2, GCS) is atomic: the object appears whole when the
// request completes, or not at all. s3rver streams the body straight into the
// object's file, so a request cut off half way (a worker killed by kill -9
// mid-upload) leaves a truncated object that HEAD reports as present, and the
// engine, which trusts a stored result, would record a half-written frame.
// Test-only: the body goes to a temp file renamed into place once complete.
function makePutsAtomic(store: FilesystemStore): void {
  store.putObject = async (object) => {
    const objectPath = store.getResourcePath(object.bucket, object.key, "object");
    await mkdir(path.dirname(objectPath), { recursive: true });
    const temp = `${objectPath}.${randomUUID()}.part`;
    const md5 = createHash("md5");
    let size = 0;
    const count = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        md5.update(chunk);
        size += chunk.length;
        callback(null, chunk);
      },
    });
    const content = Buffer.isBuffer(object.content) ? [object.content] : object.content;
    try {
      await pipeline(content, count, createWriteStream(temp));
      await rename(temp, objectPath);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    const digest = md5.digest("hex");
    await store.putMetadata(object.bucket, object.key, object.metadata, digest);
    return { size, md5: digest };
  };
}
