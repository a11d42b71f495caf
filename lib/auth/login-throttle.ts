import "server-only";
import type pg from "pg";
import { transaction } from "@/lib/db/client";
import { countAttempt, forgetIdleKeys, forgiveAttempt, secondsLocked, type ThrottleKey } from "./sql/login-throttle";

// Sign-in throttling, per account and per client address, with exponential
// backoff: an account may be tried `perAccount` times in a row, an address
// `perAddress` times; after that each further attempt first waits 1 s, then
// 2 s, 4 s ... up to `maxLockSeconds`. Failures are forgotten after
// `maxLockSeconds` without an attempt; a correct password resets the account.
// The state is in PostgreSQL (table login_throttle), so it holds across every
// web process. A locked attempt is answered without checking the password, so
// it costs no scrypt work.

export interface ThrottlePolicy {
  perAccount: number;
  perAddress: number;
  maxLockSeconds: number;
}

export interface ThrottleTicket {
  accountKey: string;
  addressKey: string;
}

export type ThrottleDecision = { allowed: true; ticket: ThrottleTicket } | { allowed: false; retryAfterSeconds: number };

const LOCKED = Symbol("locked");

export const throttleKeys = (email: string, address: string): ThrottleTicket => ({
  accountKey: `account:${email.trim().toLowerCase()}`,
  addressKey: `address:${address}`,
});

/** Counts this attempt against the account and the address, or says how long to wait. */
export async function admitAttempt(db: pg.Pool, policy: ThrottlePolicy, email: string, address: string): Promise<ThrottleDecision> {
  const ticket = throttleKeys(email, address);
  const keys: ThrottleKey[] = [
    { key: ticket.accountKey, free: policy.perAccount },
    { key: ticket.addressKey, free: policy.perAddress },
  ];
  await forgetIdleKeys(db, policy.maxLockSeconds);
  try {
    // Both or neither: an attempt refused for its address must not count against the account.
    await transaction(db, async (tx) => {
      for (const key of keys) if (!(await countAttempt(tx, key, policy.maxLockSeconds))) throw LOCKED;
    });
    return { allowed: true, ticket };
  } catch (error) {
    if (error !== LOCKED) throw error;
    return { allowed: false, retryAfterSeconds: Math.max(1, await secondsLocked(db, [ticket.accountKey, ticket.addressKey])) };
  }
}

/** After a correct password. */
export async function recordSuccess(db: pg.Pool, ticket: ThrottleTicket): Promise<void> {
  await forgiveAttempt(db, ticket.accountKey, ticket.addressKey);
}

/**
 * The client's address as this server was told it: the last X-Forwarded-For
 * entry, which is the one the nearest reverse proxy appended (Next sets the
 * header to the socket's address when the request has none). A client that
 * talks to Next directly can choose this value; the per-account limit and
 * the cap on concurrent password checks hold regardless.
 */
export function clientAddress(request: Request): string {
  const forwarded = request.headers.get("x-forwarded-for");
  const last = forwarded?.split(",").pop()?.trim() ?? "";
  const address = last.replace(/^::ffff:/, "").slice(0, 64);
  return address || "unknown";
}
