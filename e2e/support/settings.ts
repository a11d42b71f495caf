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
