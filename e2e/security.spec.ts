import { expect, test, type APIResponse, type Page, type Response } from "@playwright/test";
import { E2E } from "./support/settings";
import { signIn } from "./support/sign-in";

// What a browser sees of the security work: the headers and the nonce-based
// Content-Security-Policy on pages (and that the app still runs under it),
// the sign-in redirect that stays on this site, the image optimizer gone,
// and a mangled session cookie that is simply "signed out".

function expectSecurityHeaders(response: Response | APIResponse | null) {
  expect(response).not.toBeNull();
  const headers = response!.headers();
  expect(headers["x-frame-options"]).toBe("DENY");
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["referrer-policy"]).toBe("same-origin");
  return headers;
}

/** CSP violations the page reports (the event fires for every blocked script, style, frame ...). */
async function recordViolations(page: Page): Promise<string[]> {
  const violations: string[] = [];
  await page.exposeFunction("__reportCspViolation", (text: string) => violations.push(text));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      (window as unknown as { __reportCspViolation(t: string): void }).__reportCspViolation(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  page.on("console", (message) => {
    if (message.type() === "error" && /Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  return violations;
}

test("pages carry a nonce-based CSP without unsafe-eval, and the dashboard runs under it", async ({ page }) => {
  const violations = await recordViolations(page);
  const login = await page.goto("/login");
  const headers = expectSecurityHeaders(login);
  const csp = headers["content-security-policy"]!;
  expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
  expect(csp).not.toContain("unsafe-eval");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("object-src 'none'");
  // Next put the nonce on its scripts.
  const nonce = /'nonce-([^']+)'/.exec(csp)![1]!;
  const scriptNonces = await page.locator("script[src]").evaluateAll((scripts) => scripts.map((s) => (s as HTMLScriptElement).nonce));
  expect(scriptNonces.length).toBeGreaterThan(0);
  expect(new Set(scriptNonces)).toEqual(new Set([nonce]));

  // A second request gets a different nonce.
  const again = (await page.request.get("/login")).headers()["content-security-policy"]!;
  expect(/'nonce-([^']+)'/.exec(again)![1]).not.toBe(nonce);

  await signIn(page); // the login form is a client component: it only works when its scripts ran
  const dashboard = await page.goto("/ops");
  expectSecurityHeaders(dashboard);
  await expect(page.getByTestId("worker-row").first()).toBeVisible();
  expect(violations).toEqual([]);
});

test("API responses carry the security headers and a CSP that runs nothing", async ({ request }) => {
  const headers = expectSecurityHeaders(await request.get("/api/health"));
  expect(headers["content-security-policy"]).toContain("default-src 'none'");
  expect(headers["content-security-policy"]).toContain("frame-ancestors 'none'");
  const denied = await request.get("/api/videos");
  expect(denied.status()).toBe(401);
  expectSecurityHeaders(denied);
});

test("after signing in, ?next= only ever leads to a page of this site", async ({ page }) => {
  // The browser strips the tab: "/\t/evil.example/" is "//evil.example/", another host.
  await page.goto(`/login?next=${encodeURIComponent("/\t/evil.example/")}`);
  await page.getByLabel("Email").fill(E2E.adminEmail);
  await page.getByLabel("Password").fill(E2E.adminPassword);
  await page.getByRole("button", { name: /sign in/i }).click();
  await expect(page).toHaveURL(`${E2E.baseURL}/`);

  await page.context().clearCookies();
  await page.goto(`/login?next=${encodeURIComponent("/ops?tab=queues")}`);
  await page.getByLabel("Email").fill(E2E.adminEmail);
  await page.getByLabel("Password").fill(E2E.adminPassword);
  await page.getByRole("button", { name: /sign in/i }).click();
  await expect(page).toHaveURL(`${E2E.baseURL}/ops?tab=queues`);
});

test("the image optimizer is off: crafted /_next/image URLs get a 4xx, not a 500", async ({ request }) => {
  for (const query of ["url=%2Ficon.svg&w=64&q=75", "url=http%3A%2F%2F169.254.169.254%2F&w=1&q=1", "url=%2F%2F%2F..%2F..&w=99999&q=0", "w=abc"]) {
    const res = await request.get(`/_next/image?${query}`);
    expect(res.status(), query).toBeGreaterThanOrEqual(400);
    expect(res.status(), query).toBeLessThan(500);
  }
});

test("a session cookie that is not valid percent-encoding is treated as signed out", async ({ page, context }) => {
  await context.addCookies([{ name: "fw_session", value: "%E0%A4%A", url: E2E.baseURL }]);
  const api = await page.request.get("/api/videos");
  expect(api.status()).toBe(401);
  await page.goto("/ops");
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByRole("heading", { name: "Sign in to Framewise" })).toBeVisible();
});
