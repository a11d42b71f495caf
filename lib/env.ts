import os from "node:os";
import path from "node:path";
import { z } from "zod";

// The only reader of process.env. Every variable is validated once, with a
// message that names it, so a bad setting fails at start and not mid-video.
const int = (min: number) => z.coerce.number().int().min(min);
const optionalString = z.string().trim().min(1).optional().catch(undefined);

const schema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    DATABASE_URL: z.string().url().optional(),
    DATA_DIR: z.string().default("./.data").transform((dir) => path.resolve(dir)),
    PORT: int(1).max(65535).default(3000),
    EMBEDDED_PG_PORT: int(1).max(65535).default(54329),
    API_TOKEN: z.string().min(16, "API_TOKEN must be at least 16 characters").optional(),
    ADMIN_EMAIL: z.string().email().optional(),
    ADMIN_PASSWORD: z.string().min(8, "ADMIN_PASSWORD must be at least 8 characters").optional(),
    ENHANCER: z.enum(["local", "http", "noop"]).default("local"),
    ENHANCER_URL: z.string().url().optional(),
    ENHANCER_RATE_LIMIT: z.coerce.number().positive().default(50),
    ENHANCER_CONCURRENCY: int(1).default(16),
    ENHANCER_TIMEOUT_MS: int(100).default(30_000),
    ENHANCER_BREAKER_THRESHOLD: int(1).default(5),
    ENHANCER_BREAKER_OPEN_MS: int(100).default(15_000),
    WORKER_CONCURRENCY: int(1).default(4),
    FRAME_MAX_ATTEMPTS: int(1).default(5),
    LEASE_SECONDS: int(2).default(60),
    SWEEP_INTERVAL_SECONDS: int(1).default(15),
    MAX_UPLOAD_BYTES: int(1).default(20 * 1024 ** 3),
    FFMPEG_PATH: optionalString,
    FFPROBE_PATH: optionalString,
    CAPTIONS: z.enum(["auto", "off"]).default("auto"),
    TRANSCRIBER_URL: z.string().url().optional(),
    TRANSCRIBER_API_KEY: optionalString,
    TRANSCRIBER_MODEL: z.string().default("whisper-1"),
    WHISPER_CPP_BIN: optionalString,
    WHISPER_MODEL: optionalString,
    THUMBNAIL_COUNT: int(1).max(100).default(8),
    // Webhooks (issue 12): SSRF switch and one attempt's time budget.
    WEBHOOK_ALLOW_PRIVATE: z.enum(["1", "true", "0", "false"], "WEBHOOK_ALLOW_PRIVATE must be 1/true or 0/false").default("0").transform((v) => v === "1" || v === "true"),
    WEBHOOK_TIMEOUT_MS: int(100).max(120_000).default(10_000),
    // Security (issue 8): the media budget and the sign-in throttle.
    MAX_VIDEO_PIXELS: int(1).default(250_000_000_000),
    LOGIN_MAX_FAILURES_PER_ACCOUNT: int(1).default(5),
    LOGIN_MAX_FAILURES_PER_ADDRESS: int(1).default(20),
    LOGIN_LOCKOUT_MAX_SECONDS: int(1).default(900),
    PASSWORD_CHECK_CONCURRENCY: int(1).max(16).default(2),
    // Origins the dashboard is served from when a reverse proxy rewrites Host and sets no X-Forwarded-Host.
    TRUSTED_ORIGINS: z
      .string()
      .optional()
      .transform((v, ctx) => {
        const hosts: string[] = [];
        for (const item of (v ?? "").split(",").map((s) => s.trim()).filter(Boolean)) {
          try {
            hosts.push(new URL(item).host.toLowerCase());
          } catch {
            ctx.addIssue({ code: "custom", message: `TRUSTED_ORIGINS: ${item} is not an origin such as https://framewise.example.com` });
          }
        }
        return hosts;
      }),
    // Resilience (issue 9): an ffmpeg with no progress this long is killed and its stage retried; 0 turns it off.
    FFMPEG_STALL_SECONDS: int(0).default(120),
    // Scaling out (issue 10): where a video's files live, a worker's scratch space, frame retention.
    STORAGE: z.enum(["local", "s3"]).default("local"),
    S3_BUCKET: z.string().min(3, "S3_BUCKET must be a bucket name (3+ characters)").optional(),
    S3_PREFIX: z.string().trim().default("").transform((p) => p.replace(/^\/+|\/+$/g, "")),
    S3_REGION: z.string().default("us-east-1"),
    S3_ENDPOINT: z.string().url("S3_ENDPOINT must be a URL such as http://minio:9000").optional(),
    S3_FORCE_PATH_STYLE: z.enum(["1", "true", "0", "false"]).default("0").transform((v) => v === "1" || v === "true"),
    S3_ACCESS_KEY_ID: optionalString,
    S3_SECRET_ACCESS_KEY: optionalString,
    SCRATCH_DIR: z.string().default(path.join(os.tmpdir(), "framewise-scratch")).transform((dir) => path.resolve(dir)),
    SCRATCH_MAX_BYTES: int(1024 * 1024).default(2 * 1024 ** 3),
    // Speed (issue 11): with STORAGE=s3, frame images a worker wrote are kept in its memory, up to this, for its own reads; 0 turns it off.
    S3_FRAME_CACHE_BYTES: int(0).default(256 * 1024 ** 2),
    FRAME_RETENTION_HOURS: z
      .union([z.literal("never"), z.coerce.number().min(0, "FRAME_RETENTION_HOURS must be 0 or more hours, or never")])
      .default(168)
      .transform((v) => (v === "never" ? null : v)),
    WORKER_QUEUES: z
      .string()
      .optional()
      .transform((v, ctx) => {
        if (!v) return undefined;
        const stages = ["preprocess", "enhance", "thumbnails", "captions", "encode"] as const;
        const names = v.split(",").map((s) => s.trim()).filter(Boolean);
        const unknown = names.filter((n) => !(stages as readonly string[]).includes(n));
        if (unknown.length) ctx.addIssue({ code: "custom", message: `WORKER_QUEUES: unknown stage ${unknown.join(", ")} (use ${stages.join(", ")})` });
        return names as (typeof stages)[number][];
      }),
    // Cost and calls (issue 12): money per enhancer call; unset, the figures show calls only.
    ENHANCER_COST_PER_CALL: z.coerce.number("ENHANCER_COST_PER_CALL must be a number, e.g. 0.002").finite().nonnegative("ENHANCER_COST_PER_CALL must be 0 or more").optional(),
  })
  .superRefine((env, ctx) => {
    if (env.STORAGE === "s3" && !env.S3_BUCKET) ctx.addIssue({ code: "custom", path: ["S3_BUCKET"], message: "S3_BUCKET is required when STORAGE=s3" });
    if ((env.S3_ACCESS_KEY_ID === undefined) !== (env.S3_SECRET_ACCESS_KEY === undefined)) {
      ctx.addIssue({ code: "custom", path: ["S3_SECRET_ACCESS_KEY"], message: "set both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or neither (the SDK's standard chain)" });
    }
    if (env.ENHANCER === "http" && !env.ENHANCER_URL) {
      ctx.addIssue({ code: "custom", path: ["ENHANCER_URL"], message: "ENHANCER_URL is required when ENHANCER=http" });
    }
    if ((env.ADMIN_EMAIL === undefined) !== (env.ADMIN_PASSWORD === undefined)) {
      ctx.addIssue({ code: "custom", path: ["ADMIN_PASSWORD"], message: "set both ADMIN_EMAIL and ADMIN_PASSWORD, or neither" });
    }
  });

export type Env = z.infer<typeof schema>;

export class EnvError extends Error {}

export function parseEnv(source: Record<string, string | undefined>): Env {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join(".") || "environment"}: ${i.message}`);
    throw new EnvError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  return result.data;
}

let cached: Env | undefined;

export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

/** The database URL; scripts/start.ts sets DATABASE_URL for its children. */
export function databaseUrl(): string {
  const url = env().DATABASE_URL;
  if (!url) throw new EnvError("DATABASE_URL is not set (npm start sets it when it runs the embedded database)");
  return url;
}
