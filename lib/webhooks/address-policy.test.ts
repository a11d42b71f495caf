import { describe, expect, it } from "vitest";
import { checkWebhookUrl, isPrivateAddress } from "./address-policy";

describe("webhook address policy (SSRF)", () => {
  it("refuses loopback, link-local, private, unique-local and mapped addresses", () => {
    for (const a of ["127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1", "fe80::1", "fd12::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "not-an-ip"]) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
  });

  it("allows public addresses", () => {
    for (const a of ["93.184.216.34", "8.8.8.8", "172.32.0.1", "2606:4700::1111", "::ffff:8.8.8.8"]) expect(isPrivateAddress(a), a).toBe(false);
  });

  it("refuses a URL whose host is or resolves to a private address unless allowed", async () => {
    await expect(checkWebhookUrl("http://127.0.0.1:9000/hook", false)).rejects.toThrow(/WEBHOOK_ALLOW_PRIVATE/);
    await expect(checkWebhookUrl("http://localhost:9000/hook", false)).rejects.toThrow(/loopback|private/);
    await expect(checkWebhookUrl("http://[::1]/hook", false)).rejects.toThrow(/WEBHOOK_ALLOW_PRIVATE/);
    await expect(checkWebhookUrl("http://169.254.169.254/latest/meta-data", false)).rejects.toThrow();
    expect((await checkWebhookUrl("http://127.0.0.1:9000/hook", true)).port).toBe("9000");
    expect((await checkWebhookUrl("https://93.184.216.34/hook", false)).hostname).toBe("93.184.216.34");
  });

  it("refuses other schemes and credentials in the URL", async () => {
    await expect(checkWebhookUrl("ftp://example.com/x", true)).rejects.toThrow(/http/);
    await expect(checkWebhookUrl("https://user:pw@example.com/x", true)).rejects.toThrow(/credentials/);
    await expect(checkWebhookUrl("not a url", true)).rejects.toThrow(/valid/);
  });
});
