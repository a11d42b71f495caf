import { NextResponse, type NextRequest } from "next/server";
import { SESSION_COOKIE } from "@/lib/auth/sessions";

// An optimistic check only, to remember where a signed-out visitor was going
// (/login?next=...). The real check is requirePageUser() in the dashboard
// layout and withApi() in every route handler. Never runs on /api: the proxy
// buffers request bodies, which would break streamed uploads.

export function proxy(request: NextRequest) {
  if (request.cookies.has(SESSION_COOKIE)) return NextResponse.next();
  const login = new URL("/login", request.url);
  const { pathname, search } = request.nextUrl;
  if (pathname !== "/") login.searchParams.set("next", `${pathname}${search}`);
  return NextResponse.redirect(login);
}

export const config = {
  matcher: ["/((?!api/|_next/|login|icon\\.svg|favicon\\.ico).*)"],
};
