import { spawnSync } from "node:child_process";
import path from "node:path";
import { expect, test } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");

// The test runner imports lib/db/embedded.ts (test/support/global-setup.ts):
// if importing it forced exit code 0, a failing run would pass CI.
test("a process that imports the embedded database keeps its own exit code", () => {
  const script = `import(${JSON.stringify(path.join(root, "lib/db/embedded.ts"))}).then(() => { process.exitCode = 3; });`;
  const r = spawnSync(path.join(root, "node_modules/.bin/tsx"), ["--eval", script], { cwd: root, encoding: "utf8", input: "" });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(3);
});
