import http from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

export interface ReceivedWebhook {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  /** The signature checked out with the endpoint's secret (standardwebhooks' own verify). */
  verified: boolean;
  /** What the receiver answered. */
  status: number;
}

/**
 * A webhook receiver on loopback, as a platform's service would write one:
 * it verifies the signature, answers `answer(n)` to the n-th request (0-based),
 * and counts, per event id, the deliveries it verified and accepted (2xx).
 */
export async function startWebhookReceiver(opts: { answer?: (n: number) => number | { status: number; location: string } | "hang" } = {}) {
  const received: ReceivedWebhook[] = [];
  const accepted = new Map<string, number>();
  let secret: string | null = null;
  const waiters = new Set<() => void>();
  const server = http.createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (body += c));
    req.on("end", () => {
      const n = received.length;
      const answer = opts.answer?.(n) ?? 200;
      const headers = { "webhook-id": String(req.headers["webhook-id"] ?? ""), "webhook-timestamp": String(req.headers["webhook-timestamp"] ?? ""), "webhook-signature": String(req.headers["webhook-signature"] ?? "") };
      let verified = false;
      try {
        if (secret) {
          new Webhook(secret).verify(body, headers);
          verified = true;
        }
      } catch {
        verified = false;
      }
      const status = answer === "hang" ? 0 : typeof answer === "number" ? answer : answer.status;
      received.push({ id: headers["webhook-id"], timestamp: headers["webhook-timestamp"], signature: headers["webhook-signature"], body, verified, status });
      if (verified && status >= 200 && status < 300) accepted.set(headers["webhook-id"], (accepted.get(headers["webhook-id"]) ?? 0) + 1);
      for (const w of waiters) w();
      if (answer === "hang") return;
      if (typeof answer === "object") res.writeHead(answer.status, { location: answer.location }).end();
      else res.writeHead(answer, { "content-type": "text/plain" }).end(answer >= 400 ? "receiver says no" : "ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    port,
    received,
    /** Per event id: how many deliveries were verified and accepted (2xx). */
    accepted,
    setSecret(s: string) {
      secret = s;
    },
    /** Resolves once `predicate` holds (checked on every request). */
    waitFor(predicate: () => boolean, timeoutMs = 60_000): Promise<void> {
      if (predicate()) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`webhook receiver: condition not met; got ${JSON.stringify(received.map((r) => [r.id, r.status]))}`));
        }, timeoutMs);
        const check = () => {
          if (!predicate()) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
      });
    },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
