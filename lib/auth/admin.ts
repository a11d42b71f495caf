import type { Db } from "@/lib/db/client";
import { generatePassword, hashPassword } from "./password";

/**
 * The admin account. With ADMIN_EMAIL/ADMIN_PASSWORD set, that account exists
 * with that password (updated when it changes). Without them, on the very
 * first start, an admin@localhost account gets a generated password that is
 * returned once (to be printed) and stored only hashed. The configured account
 * is always an enabled admin: it is the way back in when every other admin is
 * locked out.
 */
export async function ensureAdmin(db: Db, configured: { email?: string; password?: string }): Promise<{ email: string; generatedPassword?: string; existing: boolean }> {
  if (configured.email && configured.password) {
    const hash = await hashPassword(configured.password);
    await db.query(
      `INSERT INTO users (id, email, password_hash, role) VALUES (gen_random_uuid(), $1, $2, 'admin')
       ON CONFLICT (email) DO UPDATE SET password_hash = EXCLUDED.password_hash, role = 'admin', disabled_at = NULL, updated_at = now()`,
      [configured.email.toLowerCase(), hash],
    );
    return { email: configured.email.toLowerCase(), existing: true };
  }
  const { rows } = await db.query<{ email: string }>(`SELECT email FROM users ORDER BY created_at LIMIT 1`);
  if (rows[0]) return { email: rows[0].email, existing: true };
  const password = generatePassword();
  const email = "admin@localhost";
  await db.query(
    `INSERT INTO users (id, email, password_hash, role) VALUES (gen_random_uuid(), $1, $2, 'admin') ON CONFLICT (email) DO NOTHING`,
    [email, await hashPassword(password)],
  );
  return { email, generatedPassword: password, existing: false };
}
