import { createRequire } from "node:module";
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
  const { port } = await server.run();
  return { port, close: () => server.close() };
}
