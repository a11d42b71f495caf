import { z } from "zod";
import { pool } from "@/lib/db/client";
import { errorResponse, readJson, refuseCrossSite, toErrorResponse } from "@/lib/http/respond";
import { sessionToken } from "@/lib/auth/request";
import { clientAddress } from "@/lib/auth/login-throttle";
import { PasswordChecksBusy } from "@/lib/auth/password-check-limit";
import { signIn } from "@/lib/auth/sign-in";
import { sessionCookie } from "@/lib/auth/cookie";
import { recordSignInFailure } from "@/lib/audit/sign-in";

// An email with a control character (a NUL cannot even be stored) is no account.
const body = z.object({
  email: z.string().trim().min(1).max(320).regex(/^[^\u0000-\u001f\u007f]+$/, "must not contain control characters"),
  password: z.string().min(1).max(1000),
});

// Public by necessity: this is how a session starts. Cross-site sign-ins are
// refused too (login CSRF: signing the victim into the attacker's account).
export async function POST(request: Request): Promise<Response> {
  try {
    const crossSite = refuseCrossSite(request);
    if (crossSite) return crossSite;
    const { email, password } = body.parse(await readJson(request));
    const result = await signIn(pool(), { email, password, address: clientAddress(request), previousToken: sessionToken(request) });
    if (result.kind === "throttled") return tooManyAttempts(result.retryAfterSeconds);
    if (result.kind === "invalid") {
      await recordSignInFailure(request, email);
      return errorResponse(401, "invalid_credentials", "That email and password do not match an account.");
    }
    return new Response(null, { status: 204, headers: { "Set-Cookie": sessionCookie(request, result.token, result.expiresAt) } });
  } catch (error) {
    if (error instanceof PasswordChecksBusy) return withRetryAfter(errorResponse(503, "sign_in_busy", error.message), 1);
    return toErrorResponse(error);
  }
}

function tooManyAttempts(seconds: number): Response {
  const wait = seconds === 1 ? "1 second" : seconds < 120 ? `${seconds} seconds` : `${Math.ceil(seconds / 60)} minutes`;
  return withRetryAfter(errorResponse(429, "too_many_attempts", `Too many sign-in attempts for this account or from this address; try again in ${wait}.`), seconds);
}

function withRetryAfter(response: Response, seconds: number): Response {
  response.headers.set("Retry-After", String(seconds));
  return response;
}
