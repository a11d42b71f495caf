import "server-only";
// Sessions for server components (the dashboard layout); route handlers use lib/auth/request.ts.
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { pool } from "@/lib/db/client";
import { findSessionUser, SESSION_COOKIE, type SessionUser } from "./sessions";

/** For server components: the signed-in user, or a redirect to /login. */
export async function requirePageUser(): Promise<SessionUser> {
  const token = (await cookies()).get(SESSION_COOKIE)?.value;
  const user = await findSessionUser(pool(), token);
  if (!user) redirect("/login");
  return user;
}
