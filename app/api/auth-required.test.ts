import { readdir } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "@/test/support/db";

// Every route under app/api answers 401 without credentials, except the few
// that are public by design. Enumerated from the file system, so a new route
// is covered the day it is added.
const PUBLIC: Record<string, string[]> = {
  "health/route.ts": ["GET"],
  "auth/login/route.ts": ["POST"],
  "auth/logout/route.ts": ["POST"],
};
const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
const apiDir = path.join(process.cwd(), "app", "api");

async function routeFiles(): Promise<string[]> {
  const entries = await readdir(apiDir, { recursive: true });
  return entries.filter((e) => e.endsWith("route.ts")).sort();
}

describe("authentication on every API route", async () => {
  const { url } = await createTestDatabase();
  beforeAll(() => {
    process.env.DATABASE_URL = url;
    process.env.API_TOKEN = "test-api-token-0123456789";
  });
  const files = await routeFiles();

  it("finds the routes", () => {
    expect(files).toContain("videos/route.ts");
    expect(files.length).toBeGreaterThanOrEqual(8);
  });

  for (const file of files) {
    it(`${file}: 401 without a session or token, 401 with a wrong token`, async () => {
      const mod = (await import(/* @vite-ignore */ path.join(apiDir, file))) as Record<string, unknown>;
      const methods = METHODS.filter((m) => typeof mod[m] === "function" && !(PUBLIC[file] ?? []).includes(m));
      const params = Promise.resolve({ id: "00000000-0000-4000-8000-000000000000", n: "0", path: ["x"], uploadId: "x" });
      for (const method of methods) {
        const handler = mod[method] as (r: Request, c: { params: typeof params }) => Promise<Response>;
        const plain = await handler(new Request(`http://localhost/api/${file}`, { method }), { params });
        expect(plain.status, `${method} ${file}`).toBe(401);
        const wrong = await handler(new Request(`http://localhost/api/${file}`, { method, headers: { authorization: "Bearer wrong-token-000000000" } }), { params });
        expect(wrong.status, `${method} ${file} with a wrong token`).toBe(401);
      }
    });
  }
});
