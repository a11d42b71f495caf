import { execFile } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "../..");

// Pure modules the browser may import (no database, queue or secrets), the
// session cookie's name, which proxy.ts reads (Next's proxy bundle does not
// take server-only), and what `npm start` itself runs before the app
// (migrations, the admin account and its password hashing).
const CLIENT_SAFE = new Set(["lib/pipeline/stages.ts", "lib/pipeline/outcome.ts", "lib/pipeline/context.ts", "lib/pipeline/errors.ts", "lib/auth/sessions.ts", "lib/auth/roles.ts", "lib/auth/safe-next.ts", "lib/auth/password-check-limit.ts", "lib/auth/cookie.ts", "lib/auth/password.ts", "lib/auth/admin.ts", "lib/db/embedded.ts", "lib/db/migrate.ts", "lib/db/schema-diff.ts", "lib/server/process-alive.ts"]);

function modules(dir: string): string[] {
  return readdirSync(path.join(root, dir)).flatMap((name) => {
    const rel = path.join(dir, name);
    if (statSync(path.join(root, rel)).isDirectory()) return modules(rel);
    return /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) ? [rel] : [];
  });
}

describe("the server/client boundary", () => {
  it("every server module of lib/db, lib/pipeline, lib/server and lib/auth imports server-only", () => {
    const missing = ["lib/db", "lib/pipeline", "lib/server", "lib/auth"]
      .flatMap(modules)
      .filter((file) => !CLIENT_SAFE.has(file))
      .filter((file) => !/^import "server-only";$/m.test(readFileSync(path.join(root, file), "utf8")));
    expect(missing).toEqual([]);
  });

  it("outside React's server condition (a client bundle) importing one fails; the worker's condition loads it", async () => {
    const load = (conditions: string[]) =>
      run(process.execPath, [...conditions, "--import", "tsx", "-e", 'await import("./lib/pipeline/commands.ts"); console.log("loaded")'], { cwd: root });
    await expect(load([])).rejects.toMatchObject({ stderr: expect.stringContaining("This module cannot be imported from a Client Component module") });
    expect((await load(["--conditions=react-server"])).stdout).toContain("loaded");
  });
});
