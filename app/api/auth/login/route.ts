import { z } from "zod";
import { pool } from "@/lib/db/client";
import { errorResponse, readJson, toErrorResponse } from "@/lib/http/respond";
import { sessionToken } from "@/lib/auth/request";
import { signIn } from "@/lib/auth/sign-in";
import { sessionCookie } from "@/lib/auth/cookie";
import { recordSignInFailure } from "@/lib/audit/sign-in";

const body = z.object({ email: z.string().trim().min(1).max(320), password: z.string().min(1).max(1000) });

// Public by necessity: this is how a session starts.
export async function POST(request: Request): Promise<Response> {
  try {
    const { email, password } = body.parse(await readJson(request));
    const session = await signIn(pool(), email, password, sessionToken(request));
    if (!session) await recordSignInFailure(request, email);
    if (!session) return errorResponse(401, "invalid_credentials", "That email and password do not match an account.");
    return new Response(null, { status: 204, headers: { "Set-Cookie": sessionCookie(request, session.token, session.expiresAt) } });
  } catch (error) {
    return toErrorResponse(error);
  }
}
