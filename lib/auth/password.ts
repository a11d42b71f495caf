import { randomBytes, scrypt as scryptCallback, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";
import { env } from "@/lib/env";
import { ConcurrencyLimit } from "./password-check-limit";

// scrypt from node:crypto (no native addon to build): N=2^15, r=8, p=1, a
// 16-byte salt and a 32-byte key, stored as scrypt$N$r$p$salt$key (base64url).
const scrypt = promisify(scryptCallback) as (password: string, salt: Buffer, keylen: number, options: object) => Promise<Buffer>;
const N = 2 ** 15;
const R = 8;
const P = 1;
const MAXMEM = 64 * 1024 * 1024;

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, 32, { N, r: R, p: P, maxmem: MAXMEM });
  return ["scrypt", N, R, P, salt.toString("base64url"), key.toString("base64url")].join("$");
}

// One per process (see password-check-limit.ts); 32 may wait behind the running ones.
const globalForChecks = globalThis as unknown as { fwPasswordChecks?: ConcurrencyLimit };
export function passwordChecks(): ConcurrencyLimit {
  globalForChecks.fwPasswordChecks ??= new ConcurrencyLimit(env().PASSWORD_CHECK_CONCURRENCY, 32);
  return globalForChecks.fwPasswordChecks;
}

/** Checks a password against its stored hash, taking a slot of passwordChecks(); may throw PasswordChecksBusy. */
export function verifyPassword(password: string, stored: string): Promise<boolean> {
  return passwordChecks().run(() => checkPassword(password, stored));
}

async function checkPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split("$");
  if (scheme !== "scrypt" || !n || !r || !p || !salt || !key) return false;
  const expected = Buffer.from(key, "base64url");
  const actual = await scrypt(password, Buffer.from(salt, "base64url"), expected.length, { N: Number(n), r: Number(r), p: Number(p), maxmem: MAXMEM });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A strong password for the first start: 20 characters from a 62-letter alphabet (~119 bits). */
export function generatePassword(length = 20): string {
  const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  const bytes = randomBytes(length * 2);
  let out = "";
  for (const b of bytes) {
    if (b < 256 - (256 % alphabet.length)) out += alphabet[b % alphabet.length];
    if (out.length === length) break;
  }
  return out;
}
