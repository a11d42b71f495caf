import { defineConfig } from "vitest/config";

export default defineConfig({
  // server-only throws outside React's server condition; tests run server code in plain Node.
  resolve: { alias: { "@": import.meta.dirname, "server-only": `${import.meta.dirname}/node_modules/server-only/empty.js` } },
  test: {
    include: ["lib/**/*.test.ts", "worker/**/*.test.ts", "app/**/*.test.ts", "scripts/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Test files share two cores with PostgreSQL and ffmpeg.
    maxWorkers: 2,
    fileParallelism: true,
  },
});
