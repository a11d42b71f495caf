// Fixed settings shared by the e2e server and the specs.
export const E2E = {
  port: 3107,
  baseURL: "http://127.0.0.1:3107",
  dataDir: "/tmp/framewise-e2e",
  apiToken: "e2e-api-token-0123456789abcdef",
  adminEmail: "admin@example.com",
  adminPassword: "e2e-password-123",
  fakeEnhancerPort: 4107,
};

/** Changes the fake enhancement service's behaviour (see lib/enhance/fake-service.ts for the knobs). */
export async function configureFakeEnhancer(config: Record<string, unknown>): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${E2E.fakeEnhancerPort}/_config`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(config) });
  if (!res.ok) throw new Error(`fake enhancer refused the config: ${res.status} ${await res.text()}`);
}

export async function resetFakeEnhancer(): Promise<void> {
  await fetch(`http://127.0.0.1:${E2E.fakeEnhancerPort}/_reset`, { method: "POST" });
}
