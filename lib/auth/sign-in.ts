import "server-only";
import type pg from "pg";
import { env } from "@/lib/env";
import { admitAttempt, recordSuccess } from "./login-throttle";
import { verifyPassword } from "./password";
import { createSession, deleteSession, findUserByEmail } from "./sessions";

// Verified against this when the email is unknown, so both cases take the same time.
const DUMMY_HASH = "scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

export type SignInResult =
  | { kind: "signed_in"; token: string; expiresAt: Date }
  | { kind: "invalid" }
  | { kind: "throttled"; retryAfterSeconds: number };

/**
 * Checks the password and starts a new session. The attempt is first counted
 * by the throttle (lib/auth/login-throttle.ts): a locked account or address
 * is told how long to wait, without a password check. The session is
 * rotated: any session the browser presented is ended, so a token planted
 * before login (session fixation) is worthless after it.
 */
export async function signIn(
  db: pg.Pool,
  attempt: { email: string; password: string; address: string; previousToken?: string },
): Promise<SignInResult> {
  const e = env();
  const policy = { perAccount: e.LOGIN_MAX_FAILURES_PER_ACCOUNT, perAddress: e.LOGIN_MAX_FAILURES_PER_ADDRESS, maxLockSeconds: e.LOGIN_LOCKOUT_MAX_SECONDS };
  const decision = await admitAttempt(db, policy, attempt.email, attempt.address);
  if (!decision.allowed) return { kind: "throttled", retryAfterSeconds: decision.retryAfterSeconds };
  const user = await findUserByEmail(db, attempt.email);
  const ok = await verifyPassword(attempt.password, user?.password_hash ?? DUMMY_HASH);
  // A disabled account is refused like a wrong password: nothing tells a
  // guesser that the address exists.
  if (!user || !ok || user.disabled) return { kind: "invalid" };
  await recordSuccess(db, decision.ticket);
  await deleteSession(db, attempt.previousToken);
  return { kind: "signed_in", ...(await createSession(db, user.id)) };
}
