import type { Db } from "@/lib/db/client";
import { generatePassword, hashPassword } from "./password";

/**
 * The admin account. With ADMIN_EMAIL/ADMIN_PASSWORD set, that account exists
 * with that password (updated when it changes). Without them, on the very
 * first start, an admin@localhost account gets a generated password that is
 * returned once (to be printed) and stored only hashed.
 */
export async function ensureAdmin(db: Db, configured: { email?: string; password?: string }): Promise<{ email: string; generatedPassword?: string; existing: boolean }> {
  if (configured.email && configured.password) {
    const hash = await hashPassword(configured.password);
    await db.query(
      `INSERT INTO users (id, email, password_hash) VALUES (gen_random_uuid(), $1, $2)
       ON CONFLICT (email) DO UPDATE SET password_hash = EXCLUDED.password_hash`,
      [configured.email.toLowerCase(), hash],
    );
    return { email: configured.email.toLowerCase(), existing: true };
  }
  const { rows } = await db.query<{ email: string }>(`SELECT email FROM users ORDER BY created_at LIMIT 1`);
  if (rows[0]) return { email: rows[0].email, existing: true };
  const password = generatePassword();
  const email = "admin@localhost";
  await db.query(
    `INSERT INTO users (id, email, password_hash) VALUES (gen_random_uuid(), $1, $2) ON CONFLICT (email) DO NOTHING`,
    [email, await hashPassword(password)],
  );
  return { email, generatedPassword: password, existing: false };
}
