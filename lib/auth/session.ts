// Sessions for server components (the dashboard layout); route handlers use lib/auth/request.ts.
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { pool } from "@/lib/db/client";
import { findSessionUser, SESSION_COOKIE } from "./sessions";

/** For server components: the signed-in admin, or a redirect to /login. */
export async function requirePageUser(): Promise<{ id: string; email: string }> {
  const token = (await cookies()).get(SESSION_COOKIE)?.value;
  const user = await findSessionUser(pool(), token);
  if (!user) redirect("/login");
  return user;
}
