import type { Db } from "@/lib/db/client";
import { verifyPassword } from "./password";
import { createSession, deleteSession, findUserByEmail } from "./sessions";

// Verified against this when the email is unknown, so both cases take the same time.
const DUMMY_HASH = "scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

/**
 * Checks the password and starts a new session. The session is rotated: any
 * session the browser presented is ended, so a token planted before login
 * (session fixation) is worthless after it.
 */
export async function signIn(db: Db, email: string, password: string, previousToken?: string): Promise<{ token: string; expiresAt: Date } | null> {
  const user = await findUserByEmail(db, email);
  const ok = await verifyPassword(password, user?.password_hash ?? DUMMY_HASH);
  // A disabled account is refused like a wrong password: nothing tells a
  // guesser that the address exists.
  if (!user || !ok || user.disabled) return null;
  await deleteSession(db, previousToken);
  return createSession(db, user.id);
}
