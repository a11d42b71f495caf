import { beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "@/test/support/db";
import { apiRouteFiles, protectedHandlers } from "@/test/support/api-routes";

// Every route under app/api answers 401 without credentials, except the few
// that are public by design. Enumerated from the file system, so a new route
// is covered the day it is added.
describe("authentication on every API route", async () => {
  const { url } = await createTestDatabase();
  beforeAll(() => {
    process.env.DATABASE_URL = url;
    process.env.API_TOKEN = "test-api-token-0123456789";
  });
  const files = await apiRouteFiles();

  it("finds the routes", () => {
    expect(files).toContain("videos/route.ts");
    expect(files.length).toBeGreaterThanOrEqual(8);
  });

  for (const file of files) {
    it(`${file}: 401 without a session or token, 401 with a wrong token`, async () => {
      const params = Promise.resolve({ id: "00000000-0000-4000-8000-000000000000", n: "0", path: ["x"], uploadId: "x" });
      for (const [method, handler] of await protectedHandlers(file)) {
        const plain = await handler(new Request(`http://localhost/api/${file}`, { method }), { params });
        expect(plain.status, `${method} ${file}`).toBe(401);
        const wrong = await handler(new Request(`http://localhost/api/${file}`, { method, headers: { authorization: "Bearer wrong-token-000000000" } }), { params });
        expect(wrong.status, `${method} ${file} with a wrong token`).toBe(401);
        const unknownPersonal = await handler(new Request(`http://localhost/api/${file}`, { method, headers: { authorization: "Bearer fwt_unknown-personal-token-00000" } }), { params });
        expect(unknownPersonal.status, `${method} ${file} with an unknown personal token`).toBe(401);
      }
    });
  }
});
