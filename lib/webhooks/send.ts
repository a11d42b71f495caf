import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { isPrivateAddress } from "./address-policy";

export interface SendResult {
  /** A 2xx answer: delivered. */
  ok: boolean;
  statusCode: number | null;
  /** Why it did not count as delivered, in a sentence (stored on the delivery). */
  error: string | null;
}

const MAX_REDIRECTS = 3;
const BODY_EXCERPT = 512;

/**
 * A DNS lookup that refuses private addresses, used by the connection
 * itself: the address checked is the address connected to.
 */
function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, "", 0);
      const allowed = allowPrivate ? addresses : addresses.filter((a) => !isPrivateAddress(a.address));
      if (allowed.length === 0) {
        const refused = new Error(`${hostname} resolves to a private address (${addresses[0]?.address ?? "none"}); refused`) as NodeJS.ErrnoException;
        refused.code = "EWEBHOOKPRIVATE";
        return callback(refused, "", 0);
      }
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, allowed);
      callback(null, allowed[0]!.address, allowed[0]!.family);
    });
  };
}

function once(url: URL, headers: Record<string, string>, body: string, opts: { timeoutMs: number; allowPrivate: boolean }): Promise<{ status: number; location: string | null; excerpt: string }> {
  // A literal IP skips DNS (and so the lookup guard): judge it here.
  const literal = url.hostname.replace(/^\[|\]$/g, "");
  if (!opts.allowPrivate && /^[\d.]+$|:/.test(literal) && isPrivateAddress(literal)) {
    return Promise.reject(new Error(`${literal} is a private address; refused`));
  }
  const client = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      url,
      {
        method: "POST",
        headers: { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(body), "user-agent": "Framewise-Webhooks/1" },
        lookup: guardedLookup(opts.allowPrivate),
        // One budget for connect + answer: a receiver that stalls is a failed attempt.
        signal: AbortSignal.timeout(opts.timeoutMs),
      },
      (res) => {
        let excerpt = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          if (excerpt.length < BODY_EXCERPT) excerpt += chunk.slice(0, BODY_EXCERPT - excerpt.length);
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, location: res.headers.location ?? null, excerpt }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/**
 * POSTs one signed delivery. Redirects are followed only to the same origin
 * (scheme, host and port), at most three times; a redirect elsewhere is a
 * failed attempt, so a receiver cannot bounce the request (and its
 * signature) to a host nobody registered.
 */
export async function sendWebhook(endpoint: string, headers: Record<string, string>, body: string, opts: { timeoutMs: number; allowPrivate: boolean }): Promise<SendResult> {
  let url = new URL(endpoint);
  for (let hop = 0; ; hop++) {
    let answer: { status: number; location: string | null; excerpt: string };
    try {
      answer = await once(url, headers, body, opts);
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      const message = e.name === "TimeoutError" || e.name === "AbortError" ? `no answer within ${opts.timeoutMs} ms` : e.message;
      return { ok: false, statusCode: null, error: message };
    }
    if (answer.status >= 300 && answer.status < 400 && answer.location) {
      const next = new URL(answer.location, url);
      if (next.origin !== url.origin) return { ok: false, statusCode: answer.status, error: `redirect to another host (${next.origin}) refused` };
      if (hop >= MAX_REDIRECTS) return { ok: false, statusCode: answer.status, error: `more than ${MAX_REDIRECTS} redirects` };
      url = next;
      continue;
    }
    const ok = answer.status >= 200 && answer.status < 300;
    return { ok, statusCode: answer.status, error: ok ? null : `HTTP ${answer.status}${answer.excerpt ? `: ${answer.excerpt.trim().slice(0, 200)}` : ""}` };
  }
}
