import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll } from "vitest";
import type { S3Settings } from "@/lib/storage/s3-storage";
import { freePort } from "./ports";
import { runS3rver } from "./s3rver";

/**
 * A real S3-protocol server (s3rver, objects on a temp folder) for one test
 * file, reached through the real AWS SDK v3. Its credentials are s3rver's
 * fixed pair; requests are signed and checked.
 */
export async function startS3(bucket = "framewise-test"): Promise<{ settings: S3Settings; env: Record<string, string>; directory: string }> {
  const directory = await mkdtemp(path.join(os.tmpdir(), "framewise-s3-"));
  const port = await freePort();
  const server = await runS3rver({ port, directory, bucket });
  afterAll(async () => {
    await server.close().catch(() => {});
    await rm(directory, { recursive: true, force: true });
  });
  const settings: S3Settings = {
    bucket,
    prefix: "fw",
    region: "us-east-1",
    endpoint: `http://127.0.0.1:${port}`,
    forcePathStyle: true,
    accessKeyId: "S3RVER",
    secretAccessKey: "S3RVER",
  };
  const env = {
    STORAGE: "s3",
    S3_BUCKET: bucket,
    S3_PREFIX: "fw",
    S3_REGION: "us-east-1",
    S3_ENDPOINT: settings.endpoint!,
    S3_FORCE_PATH_STYLE: "1",
    S3_ACCESS_KEY_ID: "S3RVER",
    S3_SECRET_ACCESS_KEY: "S3RVER",
  };
  return { settings, env, directory };
}
