// `npm test`: type check, lint, the vitest suite (unit + integration against a real
// PostgreSQL and real ffmpeg), then the Playwright suite in real Chromium
// against the real app, worker and fake enhancement service.
import { spawnSync } from "node:child_process";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const bin = (name: string) => path.join(root, "node_modules", ".bin", name);
const steps: [string, string, string[]][] = [
  ["typecheck", bin("tsc"), ["--noEmit", "-p", "."]],
  // Errors fail the run; warnings are printed.
  ["lint", bin("eslint"), ["."]],
  ["vitest", bin("vitest"), ["run"]],
  ["playwright", bin("playwright"), ["test"]],
];
const only = process.argv.slice(2);
const results: { name: string; ok: boolean; seconds: number }[] = [];
for (const [name, command, args] of steps) {
  if (only.length && !only.includes(name)) continue;
  console.log(`\n=== ${name} ===`);
  const started = Date.now();
  const r = spawnSync(command, args, { cwd: root, stdio: "inherit", env: process.env });
  results.push({ name, ok: r.status === 0, seconds: Math.round((Date.now() - started) / 1000) });
}
console.log("\n=== summary ===");
for (const r of results) console.log(`${r.ok ? "ok  " : "FAIL"} ${r.name} (${r.seconds} s)`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
