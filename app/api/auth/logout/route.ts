import { pool } from "@/lib/db/client";
import { sessionToken } from "@/lib/auth/request";
import { deleteSession } from "@/lib/auth/sessions";
import { clearedSessionCookie } from "@/lib/auth/cookie";

// Public: signing out needs no valid session, and only ends the caller's own.
export async function POST(request: Request): Promise<Response> {
  await deleteSession(pool(), sessionToken(request));
  return new Response(null, { status: 204, headers: { "Set-Cookie": clearedSessionCookie(request) } });
}
