// Fixed settings shared by the e2e server and the specs. E2E_PORT moves the
// web server, its embedded PostgreSQL, the fake service and the DATA_DIR
// together, so two checkouts can run the suite side by side.
const port = Number(process.env.E2E_PORT ?? 3107);

export const E2E = {
  port,
  baseURL: `http://127.0.0.1:${port}`,
  dataDir: `/tmp/framewise-e2e-${port}`,
  apiToken: "e2e-api-token-0123456789abcdef",
  adminEmail: "admin@example.com",
  adminPassword: "e2e-password-123",
  fakeEnhancerPort: port + 1000,
};

/** Changes the fake enhancement service's behaviour (see lib/enhance/fake-service.ts for the knobs). */
export async function configureFakeEnhancer(config: Record<string, unknown>): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${E2E.fakeEnhancerPort}/_config`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(config) });
  if (!res.ok) throw new Error(`fake enhancer refused the config: ${res.status} ${await res.text()}`);
}

export async function resetFakeEnhancer(): Promise<void> {
  await fetch(`http://127.0.0.1:${E2E.fakeEnhancerPort}/_reset`, { method: "POST" });
}
