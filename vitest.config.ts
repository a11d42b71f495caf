import { defineConfig } from "vitest/config";

export default defineConfig({
  // server-only throws outside React's server condition; tests run server code in plain Node.
  resolve: { alias: { "@": import.meta.dirname, "server-only": `${import.meta.dirname}/node_modules/server-only/empty.js` } },
  test: {
    include: ["lib/**/*.test.ts", "worker/**/*.test.ts", "app/**/*.test.ts", "scripts/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // One file at a time: the fleet, scale-out and stop-work tests run
    // several processes and ffmpeg each; two of them side by side on two
    // cores made their timing-sensitive steps flaky (seen in a full run).
    maxWorkers: 1,
    fileParallelism: false,
  },
});
