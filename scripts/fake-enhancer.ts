// npm run fake-enhancer -- --port 4100 --latency 20 --failure-rate 0.1
// Starts the fake enhancement service (lib/enhance/fake-service.ts) for manual
// runs and benchmarks; drive it at runtime with GET /_stats, POST /_config,
// POST /_reset.
import { parseArgs } from "node:util";
import { startFakeEnhancer, type FakeEnhancerOptions } from "@/lib/enhance/fake-service";

const usage = `Usage: fake-enhancer [options]
  --port N               port (default 4100, 0 = random)
  --host H               interface (default 127.0.0.1)
  --latency MS           delay before every answer
  --failure-rate P       share of calls answered --failure-status (0..1, seeded)
  --failure-status N     status of those failures (default 500)
  --seed N               seed of the failure and garbage draws
  --fail-frames 3,17     frames always rejected with --fail-status
  --fail-status N        (default 422)
  --garbage-rate P       share of calls answered 200 with a non-image body
  --rate-limit-every N   answer 429 to every Nth call
  --retry-after S        Retry-After of those 429s, seconds (default 1)
  --outage-sec S         answer 503 for the first S seconds`;

function number(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, got ${value}`);
  return n;
}

async function main() {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "4100" },
      host: { type: "string", default: "127.0.0.1" },
      latency: { type: "string" },
      "failure-rate": { type: "string" },
      "failure-status": { type: "string" },
      seed: { type: "string" },
      "fail-frames": { type: "string" },
      "fail-status": { type: "string" },
      "garbage-rate": { type: "string" },
      "rate-limit-every": { type: "string" },
      "retry-after": { type: "string" },
      "outage-sec": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  const options: FakeEnhancerOptions = { port: number("port", values.port), host: values.host };
  const set = <K extends keyof FakeEnhancerOptions>(key: K, value: FakeEnhancerOptions[K] | undefined) => {
    if (value !== undefined) options[key] = value;
  };
  set("latencyMs", number("latency", values.latency));
  set("failureRate", number("failure-rate", values["failure-rate"]));
  set("failureStatus", number("failure-status", values["failure-status"]));
  set("seed", number("seed", values.seed));
  set("failStatus", number("fail-status", values["fail-status"]));
  set("garbageRate", number("garbage-rate", values["garbage-rate"]));
  if (values["fail-frames"]) options.failFrames = values["fail-frames"].split(",").map((f) => number("fail-frames", f)!);
  const everyN = number("rate-limit-every", values["rate-limit-every"]);
  if (everyN !== undefined) options.rateLimit429 = { everyN, retryAfterSec: number("retry-after", values["retry-after"]) ?? 1 };
  const outageSec = number("outage-sec", values["outage-sec"]);
  if (outageSec !== undefined) options.outage = { untilMs: Date.now() + outageSec * 1000 };

  const fake = await startFakeEnhancer(options);
  console.log(`fake enhancer listening: ENHANCER=http ENHANCER_URL=${fake.url}`);
  console.log(`stats: GET http://${options.host}:${fake.port}/_stats`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const { calls, maxConcurrent } = fake.stats();
    await fake.close();
    console.log(`fake enhancer stopped (${signal}): ${calls} calls, max ${maxConcurrent} concurrent`);
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  console.error(usage);
  process.exit(1);
});
