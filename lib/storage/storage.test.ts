import { mkdtemp, writeFile } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { text } from "node:stream/consumers";
import { describe, expect, it } from "vitest";
import { parseEnv } from "@/lib/env";
import { probeMedia } from "@/lib/media/probe";
import { makeClip } from "@/test/support/clips";
import { startS3 } from "@/test/support/s3";
import { localStorage } from "./local-storage";
import { s3Storage } from "./s3-storage";
import { StorageConfigError, type Storage } from "./storage";

// The same contract for both backends: the local disk and a real
// S3-protocol server (s3rver) through the real AWS SDK v3.

const s3 = await startS3();
const work = await mkdtemp(path.join(os.tmpdir(), "framewise-storage-"));

const backends: [string, () => Storage][] = [
  ["local", () => localStorage(path.join(work, "local"))],
  ["s3", () => s3Storage(s3.settings)],
];

describe.each(backends)("%s storage", (kind, make) => {
  const storage = make();
  const key = (name: string) => `videos/${kind}-contract/${name}`;

  it("puts, gets, heads and streams ranges of objects; a missing object is null, not an error", async () => {
    await storage.put(key("a.txt"), Buffer.from("0123456789"));
    expect((await storage.get(key("a.txt")))?.toString()).toBe("0123456789");
    expect(await storage.head(key("a.txt"))).toMatchObject({ size: 10 });
    expect(await text((await storage.stream(key("a.txt"), { start: 2, end: 5 }))!)).toBe("2345");
    expect(await storage.get(key("missing"))).toBeNull();
    expect(await storage.head(key("missing"))).toBeNull();
    expect(await storage.stream(key("missing"))).toBeNull();
  });

  it("streams a body of unknown length (multipart on S3) and moves a file in", async () => {
    const big = Buffer.alloc(9 * 1024 * 1024, 7); // over one 8 MiB part
    await storage.put(key("big.bin"), Readable.from([big.subarray(0, 5_000_000), big.subarray(5_000_000)]));
    expect((await storage.head(key("big.bin")))?.size).toBe(big.length);
    const file = path.join(work, `${kind}-upload.part`);
    await writeFile(file, "source bytes");
    await storage.putFile(key("source"), file);
    expect((await storage.get(key("source")))?.toString()).toBe("source bytes");
    await storage.copy(key("source"), key("copy"));
    expect((await storage.get(key("copy")))?.toString()).toBe("source bytes");
  });

  it("reports usage of a prefix and deletes everything under it", async () => {
    const prefix = `videos/${kind}-purge/`;
    for (let i = 0; i < 5; i++) await storage.put(`${prefix}frames/00000${i}.jpg`, Buffer.alloc(100));
    await storage.put(`${prefix}output.mp4`, Buffer.alloc(50));
    await storage.put(`videos/${kind}-purge-other/keep`, Buffer.alloc(1));
    expect(await storage.usage(`${prefix}frames/`)).toEqual({ objects: 5, bytes: 500 });
    expect(await storage.deletePrefix(`${prefix}frames/`)).toEqual({ objects: 5, bytes: 500 });
    expect(await storage.usage(prefix)).toEqual({ objects: 1, bytes: 50 });
    expect(await storage.head(`videos/${kind}-purge-other/keep`)).not.toBeNull();
  });

  it("lists past one page (1,000 keys) when it counts and deletes a prefix", { timeout: 120_000 }, async () => {
    const prefix = `videos/${kind}-many/frames/`;
    const body = Buffer.alloc(10, 1);
    for (let i = 0; i < 1100; i += 100) await Promise.all(Array.from({ length: 100 }, (_, k) => storage.put(`${prefix}${String(i + k).padStart(6, "0")}.jpg`, body)));
    expect(await storage.usage(prefix)).toEqual({ objects: 1100, bytes: 11_000 });
    expect(await storage.deletePrefix(prefix)).toEqual({ objects: 1100, bytes: 11_000 });
    expect(await storage.usage(prefix)).toEqual({ objects: 0, bytes: 0 });
  });

  it("gives ffprobe an input it can read (a path, or a presigned URL it seeks in)", { timeout: 60_000 }, async () => {
    const clip = await makeClip({ path: path.join(work, `${kind}-clip.mp4`), seconds: 1, width: 160, height: 120 });
    await storage.putFile(key("clip"), clip);
    const input = await storage.mediaInput(key("clip"));
    if (kind === "s3") expect(input).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/framewise-test\/fw\/videos\/s3-contract\/clip\?/);
    const info = await probeMedia(input);
    expect([info.width, info.height]).toEqual([160, 120]);
  });

  it("refuses keys that could leave their folder", async () => {
    await expect(storage.put("../escape", Buffer.from("x"))).rejects.toThrow(/unsafe storage key/);
    await expect(storage.get("/etc/passwd")).rejects.toThrow(/unsafe storage key/);
  });
});

describe("S3 settings are checked at start with a sentence", () => {
  it("passes for a reachable, writable bucket", async () => {
    await expect(s3Storage(s3.settings).check()).resolves.toBeUndefined();
  });

  it("names a bucket that does not exist", async () => {
    const error = await s3Storage({ ...s3.settings, bucket: "no-such-bucket" }).check().catch((e) => e);
    expect(error).toBeInstanceOf(StorageConfigError);
    expect(error.message).toMatch(/^S3 bucket "no-such-bucket" at http:\/\/127\.0\.0\.1:\d+ is not reachable: no such bucket \(HTTP 404\)/);
  });

  it("names an endpoint nobody answers on", async () => {
    const error = await s3Storage({ ...s3.settings, endpoint: "http://127.0.0.1:9" }).check().catch((e) => e);
    expect(error).toBeInstanceOf(StorageConfigError);
    expect(error.message).toMatch(/at http:\/\/127\.0\.0\.1:9 is not reachable: ECONNREFUSED/);
  });

  it("the environment: STORAGE=s3 needs S3_BUCKET, and both keys or neither", () => {
    expect(() => parseEnv({ STORAGE: "s3" })).toThrow(/S3_BUCKET is required when STORAGE=s3/);
    expect(() => parseEnv({ STORAGE: "s3", S3_BUCKET: "media", S3_ACCESS_KEY_ID: "k" })).toThrow(/set both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY/);
    expect(parseEnv({ STORAGE: "s3", S3_BUCKET: "media", S3_FORCE_PATH_STYLE: "true", FRAME_RETENTION_HOURS: "never" })).toMatchObject({
      STORAGE: "s3",
      S3_FORCE_PATH_STYLE: true,
      FRAME_RETENTION_HOURS: null,
    });
    expect(parseEnv({}).STORAGE).toBe("local");
    expect(parseEnv({}).FRAME_RETENTION_HOURS).toBe(168);
  });
});

// The engine records a re-claimed frame whose result object exists without a
// new call, so a PUT cut off half way (its worker killed) must leave nothing,
// as on S3. s3rver alone would keep the truncated object (test/support/s3rver.ts).
describe("the test S3 server's PUTs are atomic, as S3's are", () => {
  it("a PUT whose client dies half way leaves no object; a complete one is whole", async () => {
    const storage = s3Storage(s3.settings);
    const url = new URL(`${s3.settings.endpoint}/${s3.settings.bucket}/${s3.settings.prefix}/atomic/cut-off.jpg`);
    const req = http.request({ host: url.hostname, port: url.port, method: "PUT", path: url.pathname, headers: { "content-length": "100000" } });
    req.on("error", () => {});
    req.write(Buffer.alloc(50_000, 7));
    await new Promise((r) => setTimeout(r, 300));
    req.destroy();
    await new Promise((r) => setTimeout(r, 300));
    expect(await storage.head("atomic/cut-off.jpg")).toBeNull();
    await storage.put("atomic/whole.jpg", Buffer.alloc(1234, 1), "image/jpeg");
    expect(await storage.head("atomic/whole.jpg")).toMatchObject({ size: 1234 });
    expect(await storage.usage("atomic/")).toEqual({ objects: 1, bytes: 1234 });
  });
});

