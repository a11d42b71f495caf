// The app as the Playwright suite sees it: a fresh DATA_DIR (so a fresh
// embedded PostgreSQL), fixed credentials, then `npm start`'s own code.
import { chmod, mkdir, rm } from "node:fs/promises";
import { E2E } from "../e2e/support/settings";
import { startFakeEnhancer } from "../lib/enhance/fake-service";

await rm(E2E.dataDir, { recursive: true, force: true });
await mkdir(E2E.dataDir, { recursive: true });
await chmod(E2E.dataDir, 0o755);
// The fake enhancement service, in this process; specs change its behaviour
// (failing frames, outages) through its HTTP control endpoints (/_config).
const fake = await startFakeEnhancer({ port: E2E.fakeEnhancerPort, latencyMs: 5 });
process.on("exit", () => void fake.close());
Object.assign(process.env, {
  ENHANCER: "http",
  ENHANCER_URL: fake.url,
  ENHANCER_RATE_LIMIT: "500",
  ENHANCER_CONCURRENCY: "32",
  DATA_DIR: E2E.dataDir,
  PORT: String(E2E.port),
  EMBEDDED_PG_PORT: String(E2E.port + 50_000 - 3000),
  API_TOKEN: E2E.apiToken,
  ADMIN_EMAIL: E2E.adminEmail,
  ADMIN_PASSWORD: E2E.adminPassword,
  WORKER_CONCURRENCY: "2",
  LEASE_SECONDS: "10",
  SWEEP_INTERVAL_SECONDS: "2",
  // The webhook specs run their receiver on loopback.
  WEBHOOK_ALLOW_PRIVATE: "1",
  // An hour: e2e/frame-retention.spec.ts backdates its own video's completion past it.
  FRAME_RETENTION_HOURS: "1",
  // Cost figures (e2e/cost-and-calls.spec.ts).
  ENHANCER_COST_PER_CALL: "0.01",
});
delete process.env.DATABASE_URL;
await import("./start");
