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

export async function currentPageUser(): Promise<{ id: string; email: string } | null> {
  const token = (await cookies()).get(SESSION_COOKIE)?.value;
  return findSessionUser(pool(), token);
}
