import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";

// SSRF protection: a webhook may not reach into the network Framewise runs
// in (loopback, link-local — cloud metadata at 169.254.169.254 —, private
// and unique-local ranges, CGNAT, unspecified, multicast), unless
// WEBHOOK_ALLOW_PRIVATE=1 (tests, on-premises receivers). Checked when an
// endpoint is registered and again on every connection, on the address the
// connection actually uses, so DNS that changes its answer later
// (rebinding) does not get around it.
const blocked = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8], ["10.0.0.0", 8], ["100.64.0.0", 10], ["127.0.0.0", 8], ["169.254.0.0", 16], ["172.16.0.0", 12],
  ["192.0.0.0", 24], ["192.168.0.0", 16], ["198.18.0.0", 15], ["224.0.0.0", 4], ["240.0.0.0", 4],
] as const) blocked.addSubnet(net, prefix, "ipv4");
for (const [net, prefix] of [["::", 128], ["::1", 128], ["fc00::", 7], ["fe80::", 10], ["ff00::", 8], ["64:ff9b::", 96]] as const) blocked.addSubnet(net, prefix, "ipv6");

/** True for an address a webhook must not reach (IPv4-mapped IPv6 is judged as its IPv4). */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return blocked.check(mapped[1]!, "ipv4");
  const family = isIP(address);
  if (family === 4) return blocked.check(address, "ipv4");
  if (family === 6) return blocked.check(address, "ipv6");
  return true;
}

export class WebhookUrlError extends Error {}

/** Checks an endpoint URL: http(s), no credentials, and (unless allowed) no private address behind its host name. */
export async function checkWebhookUrl(raw: string, allowPrivate: boolean): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookUrlError("The URL is not valid.");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new WebhookUrlError("The URL must be http:// or https://.");
  if (url.username || url.password) throw new WebhookUrlError("The URL must not carry credentials; the signature authenticates Framewise.");
  if (allowPrivate) return url;
  const host = url.hostname.replace(/^\[|\]$/g, "");
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
  } catch {
    throw new WebhookUrlError(`The host ${host} does not resolve.`);
  }
  const bad = addresses.find(isPrivateAddress);
  if (bad) throw new WebhookUrlError(`${host} resolves to ${bad}, a loopback, link-local or private address; set WEBHOOK_ALLOW_PRIVATE=1 to allow it.`);
  return url;
}
