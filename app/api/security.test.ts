import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase } from "@/test/support/db";

// The browser attacker, driven through the real route handlers against a real
// PostgreSQL: cross-site state changes (CSRF) and password guessing (the
// sign-in throttle and the cap on concurrent password checks).

const { url, pool } = await createTestDatabase();
const dataDir = await mkdtemp(path.join(os.tmpdir(), "framewise-security-"));
const TOKEN = "security-test-token-0123456789";
Object.assign(process.env, { DATABASE_URL: url, API_TOKEN: TOKEN, DATA_DIR: dataDir, ENHANCER: "local", TRUSTED_ORIGINS: "https://framewise.example, http://10.1.2.3:8080" });
delete process.env.LOGIN_MAX_FAILURES_PER_ACCOUNT;
delete process.env.LOGIN_MAX_FAILURES_PER_ADDRESS;

const { hashPassword, passwordChecks } = await import("@/lib/auth/password");
const { createSession, SESSION_COOKIE } = await import("@/lib/auth/sessions");
const dbClient = await import("@/lib/db/client");
afterAll(async () => {
  await dbClient.pool().end();
  (globalThis as { fwPool?: unknown }).fwPool = undefined;
  await rm(dataDir, { recursive: true, force: true });
});

type Handler = (request: Request, ctx: { params: Promise<Record<string, unknown>> }) => Promise<Response>;
const route = async (file: string) => (await import(/* @vite-ignore */ path.join(process.cwd(), "app", "api", file, "route.ts"))) as Record<string, Handler>;

const EMAIL = "admin@example.com";
const PASSWORD = "correct horse battery";
const { rows } = await pool.query<{ id: string }>(`INSERT INTO users (id, email, password_hash, role) VALUES (gen_random_uuid(), $1, $2, 'admin') RETURNING id`, [
  EMAIL,
  await hashPassword(PASSWORD),
]);
const userId = rows[0]!.id;
const cookie = async () => `${SESSION_COOKIE}=${(await createSession(pool, userId)).token}`;

async function errorOf(response: Response) {
  const body = (await response.json()) as { error: { code: string; message: string } };
  expect(body.error.message).toEqual(expect.any(String));
  return body.error;
}

describe("cross-site requests (CSRF)", () => {
  const videoId = randomUUID();
  const send = async (file: string, method: string, headers: Record<string, string>, params: Record<string, unknown> = { id: videoId }, body?: string) =>
    (await route(file))[method]!(new Request(`http://localhost:3000/api/${file.replace("[id]", videoId)}`, { method, headers: { host: "localhost:3000", ...headers }, body }), {
      params: Promise.resolve(params),
    });

  it("refuses a cookie-carried POST or DELETE from another Origin with 403 and the error shape", async () => {
    const session = await cookie();
    for (const [file, method, body] of [
      ["videos/[id]/retry", "POST", '{"status":"failed"}'],
      ["videos/[id]/cancel", "POST", undefined],
      ["videos/[id]/encode-anyway", "POST", undefined],
      ["videos/[id]", "DELETE", undefined],
      ["videos", "POST", "x"],
    ] as const) {
      const res = await send(file, method, { cookie: session, origin: "https://evil.example", "content-type": "text/plain" }, { id: videoId }, body);
      expect(res.status, `${method} ${file}`).toBe(403);
      expect((await errorOf(res)).code).toBe("cross_site_request");
    }
  });

  it("refuses Origin: null, a look-alike host, and (without Origin) Sec-Fetch-Site cross-site or same-site", async () => {
    const session = await cookie();
    for (const headers of <Record<string, string>[]>[
      { origin: "null" },
      { origin: "http://localhost:3000.evil.example" },
      { origin: "http://localhost:4000" },
      { "sec-fetch-site": "cross-site" },
      { "sec-fetch-site": "same-site" },
    ]) {
      const res = await send("videos/[id]/cancel", "POST", { cookie: session, ...headers });
      expect(res.status, JSON.stringify(headers)).toBe(403);
    }
  });

  it("lets the same site through (the command then answers: 404 for an unknown video)", async () => {
    const session = await cookie();
    for (const headers of <Record<string, string>[]>[
      { origin: "http://localhost:3000" },
      { "sec-fetch-site": "same-origin" },
      { "sec-fetch-site": "none" },
      {},
      { origin: "https://proxied.example", "x-forwarded-host": "proxied.example" },
      // A reverse proxy that rewrote Host and set no X-Forwarded-Host: TRUSTED_ORIGINS names the public origin.
      { origin: "https://framewise.example" },
      { origin: "http://10.1.2.3:8080" },
    ]) {
      const res = await send("videos/[id]/cancel", "POST", { cookie: session, ...headers });
      expect(res.status, JSON.stringify(headers)).toBe(404);
    }
  });

  it("does not affect bearer-token calls, nor reads", async () => {
    const bearer = await send("videos/[id]/cancel", "POST", { authorization: `Bearer ${TOKEN}`, origin: "https://evil.example" });
    expect(bearer.status).toBe(404);
    const read = await send("videos", "GET", { cookie: await cookie(), origin: "https://evil.example" }, {});
    expect(read.status).toBe(200);
  });

  it("covers tus uploads, sign-in and sign-out", async () => {
    const session = await cookie();
    const tus = await send("uploads/[[...path]]", "POST", { cookie: session, origin: "https://evil.example", "tus-resumable": "1.0.0", "upload-length": "10" }, {});
    expect(tus.status).toBe(403);
    expect((await errorOf(tus)).code).toBe("cross_site_request");
    const login = await send("auth/login", "POST", { origin: "https://evil.example", "content-type": "text/plain" }, {}, JSON.stringify({ email: EMAIL, password: PASSWORD }));
    expect(login.status).toBe(403);
    expect(login.headers.get("set-cookie")).toBeNull();
    const logout = await send("auth/logout", "POST", { cookie: session, origin: "https://evil.example" }, {});
    expect(logout.status).toBe(403);
    // The session survived the forged sign-out.
    expect((await send("videos", "GET", { cookie: session }, {})).status).toBe(200);
  });
});

describe("sign-in throttling", () => {
  beforeEach(async () => {
    await pool.query(`DELETE FROM login_throttle`);
  });

  const login = async (email: string, password: string, address = "203.0.113.7") =>
    (await route("auth/login")).POST!(
      new Request("http://localhost/api/auth/login", {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": `10.0.0.1, ${address}` },
        body: JSON.stringify({ email, password }),
      }),
      { params: Promise.resolve({}) },
    );

  // Lock lengths are read from the table (locked_until - last_attempt_at), and
  // a lock is lengthened or lapsed with an UPDATE, so nothing here depends on
  // how fast scrypt runs on a loaded machine.
  const lockOf = async (key: string) =>
    (
      await pool.query<{ failures: number; seconds: number | null }>(
        `SELECT failures, extract(epoch FROM locked_until - last_attempt_at)::float8 AS seconds FROM login_throttle WHERE key = $1`,
        [key],
      )
    ).rows[0];
  const ACCOUNT = `account:${EMAIL}`;
  const lapse = () => pool.query(`UPDATE login_throttle SET locked_until = now() - interval '1 ms' WHERE locked_until IS NOT NULL`);

  it("wrong passwords for one account: 5 are checked, then 429 with Retry-After while locked, and the lock doubles up to the maximum", async () => {
    for (let i = 0; i < 5; i++) expect((await login(EMAIL, `wrong-${i}`)).status).toBe(401);
    // The 5th failure locks the account for 1 s.
    expect(await lockOf(ACCOUNT)).toEqual({ failures: 5, seconds: 1 });

    await pool.query(`UPDATE login_throttle SET locked_until = now() + interval '1 hour' WHERE key = $1`, [ACCOUNT]);
    for (let i = 0; i < 15; i++) {
      const res = await login(EMAIL, `wrong-${i}`);
      expect(res.status).toBe(429);
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(3500);
      const error = await errorOf(res);
      expect(error.code).toBe("too_many_attempts");
      expect(error.message).toMatch(/try again in (59|60) minutes/);
    }
    // Even the right password waits, and attempts while locked are not counted (no password check).
    expect((await login(EMAIL, PASSWORD)).status).toBe(429);
    expect((await lockOf(ACCOUNT))!.failures).toBe(5);

    // Each failure after a lock lapses doubles it: 2 s, 4 s, 8 s ...
    for (const [failures, seconds] of [[6, 2], [7, 4], [8, 8]] as const) {
      await lapse();
      expect((await login(EMAIL, "wrong-again")).status).toBe(401);
      expect(await lockOf(ACCOUNT)).toEqual({ failures, seconds });
    }
    // ... up to LOGIN_LOCKOUT_MAX_SECONDS (900).
    await pool.query(`UPDATE login_throttle SET failures = 30 WHERE key = $1`, [ACCOUNT]);
    await lapse();
    expect((await login(EMAIL, "wrong-again")).status).toBe(401);
    expect(await lockOf(ACCOUNT)).toEqual({ failures: 31, seconds: 900 });
  });

  it("holds in PostgreSQL, and a correct password resets the account", async () => {
    for (let i = 0; i < 4; i++) expect((await login(EMAIL, "nope")).status).toBe(401);
    const { rows: state } = await pool.query(`SELECT key, failures FROM login_throttle ORDER BY key`);
    expect(state).toEqual([
      { key: "account:admin@example.com", failures: 4 },
      { key: "address:203.0.113.7", failures: 4 },
    ]);
    const ok = await login(EMAIL.toUpperCase(), PASSWORD);
    expect(ok.status).toBe(204);
    expect(ok.headers.get("set-cookie")).toContain(`${SESSION_COOKIE}=`);
    const { rows: after } = await pool.query(`SELECT key, failures FROM login_throttle ORDER BY key`);
    expect(after).toEqual([{ key: "address:203.0.113.7", failures: 4 }]);
  });

  it("40 parallel guesses at one account: the free 5 reach a password check, the rest are refused", async () => {
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => login(EMAIL, `parallel-${i}`)));
    const count = (s: number) => results.filter((r) => r.status === s).length;
    // Attempts are counted before their password check, so the burst cannot
    // outrun the counter: every checked attempt is in the table. (Exactly 5
    // unless the 1 s lock of the 5th lapsed before the burst was counted,
    // which lets one more through per lapse; the table says how many.)
    const { failures } = (await lockOf(ACCOUNT))!;
    expect(count(401)).toBe(failures);
    expect(failures).toBeGreaterThanOrEqual(5);
    expect(failures).toBeLessThanOrEqual(7);
    expect(count(429)).toBe(40 - failures);
  });

  it("one address guessing at many accounts is throttled too (20 free), other addresses are not", async () => {
    for (let i = 0; i < 20; i++) expect((await login(`user${i}@example.com`, "guess", "198.51.100.9")).status).toBe(401);
    expect(await lockOf("address:198.51.100.9")).toEqual({ failures: 20, seconds: 1 });
    await pool.query(`UPDATE login_throttle SET locked_until = now() + interval '1 hour' WHERE key = 'address:198.51.100.9'`);
    for (let i = 20; i < 25; i++) expect((await login(`user${i}@example.com`, "guess", "198.51.100.9")).status).toBe(429);
    // Refused for its address, the attempt was not counted against the account either.
    expect(await lockOf("account:user24@example.com")).toBeUndefined();
    expect((await login("other@example.com", "guess", "198.51.100.10")).status).toBe(401);
  });

  it("runs at most PASSWORD_CHECK_CONCURRENCY (2) password checks at once", async () => {
    const checks = passwordChecks();
    checks.peak = 0;
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => login(`spread${i}@example.com`, "guess", `192.0.2.${i}`)));
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(401));
    expect(checks.limit).toBe(2);
    expect(checks.peak).toBe(2);
  });
});
