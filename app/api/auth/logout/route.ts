import { pool } from "@/lib/db/client";
import { sessionToken } from "@/lib/auth/request";
import { deleteSession } from "@/lib/auth/sessions";
import { clearedSessionCookie } from "@/lib/auth/cookie";
import { refuseCrossSite, toErrorResponse } from "@/lib/http/respond";

// Public: signing out needs no valid session, and only ends the caller's own
// (never on another site's behalf).
export async function POST(request: Request): Promise<Response> {
  try {
    const crossSite = refuseCrossSite(request);
    if (crossSite) return crossSite;
    await deleteSession(pool(), sessionToken(request));
    return new Response(null, { status: 204, headers: { "Set-Cookie": clearedSessionCookie(request) } });
  } catch (error) {
    return toErrorResponse(error);
  }
}
