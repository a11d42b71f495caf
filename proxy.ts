import { NextResponse, type NextRequest } from "next/server";
import { SESSION_COOKIE } from "@/lib/auth/sessions";
import { pageCsp } from "@/lib/http/security-headers";

// Runs on pages only (never on /api: the proxy buffers request bodies, which
// would break streamed uploads). Two jobs:
// - each page's Content-Security-Policy with a fresh nonce (lib/http/security-headers.ts);
// - an optimistic sign-in check, to remember where a signed-out visitor was
//   going (/login?next=...). The real check is requirePageUser() in the
//   dashboard layout and withApi() in every route handler.

export function proxy(request: NextRequest) {
  const nonce = Buffer.from(crypto.randomUUID()).toString("base64");
  const csp = pageCsp(nonce, process.env.NODE_ENV === "development");
  const { pathname, search } = request.nextUrl;
  let response: NextResponse;
  if (pathname === "/login" || request.cookies.has(SESSION_COOKIE)) {
    const headers = new Headers(request.headers);
    headers.set("content-security-policy", csp);
    response = NextResponse.next({ request: { headers } });
  } else {
    const login = new URL("/login", request.url);
    if (pathname !== "/") login.searchParams.set("next", `${pathname}${search}`);
    response = NextResponse.redirect(login);
  }
  response.headers.set("Content-Security-Policy", csp);
  return response;
}

export const config = {
  matcher: ["/((?!api/|_next/|icon\\.svg|favicon\\.ico).*)"],
};
