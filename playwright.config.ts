import { defineConfig } from "@playwright/test";
import { E2E } from "./e2e/support/settings";

// The app under test is the real thing: `npm start` (embedded PostgreSQL in a
// fresh DATA_DIR, migrations, production build, web + one worker) plus the
// fake enhancement service, started by scripts/e2e-server.ts.
export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results/playwright",
  timeout: 120_000,
  expect: { timeout: 30_000 },
  workers: 1,
  retries: 0,
  reporter: [["list"], ["html", { open: "never", outputFolder: "test-results/playwright-report" }]],
  use: {
    baseURL: E2E.baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    },
  },
  webServer: {
    command: "node_modules/.bin/tsx scripts/e2e-server.ts",
    url: `${E2E.baseURL}/api/health`,
    timeout: 300_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    gracefulShutdown: { signal: "SIGTERM", timeout: 60_000 },
  },
});
