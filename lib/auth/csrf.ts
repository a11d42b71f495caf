import "server-only";
// Cross-site request forgery: a page on another site can make the browser
// send a POST/DELETE (a form, or fetch with a text/plain body: no preflight)
// that carries our session cookie. SameSite=Lax keeps the cookie off most of
// those, but not off a same-site sibling, an older browser, or a top-level
// form POST in the two minutes after sign-in (Chrome's Lax-by-default rule).
// So a state change made with the cookie must come from this site:
// - with an Origin header (every modern browser sends it on POST/PUT/PATCH/
//   DELETE), its host must be the host this request was sent to (Host, or
//   X-Forwarded-Host behind a proxy), as Next's server actions check it;
// - without Origin, Sec-Fetch-Site must be "same-origin" or "none" (typed by
//   the user) when the browser sends it;
// - neither header: not a browser (curl, scripts), nothing to forge.
// Bearer-token calls are not affected: a cross-site page cannot set the
// Authorization header without a CORS preflight, which we never grant.

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export function usesBearerToken(request: Request): boolean {
  return request.headers.get("authorization")?.startsWith("Bearer ") ?? false;
}

function requestHost(request: Request): string {
  const forwarded = request.headers.get("x-forwarded-host")?.split(",")[0]?.trim();
  return (forwarded || request.headers.get("host") || new URL(request.url).host).toLowerCase();
}

/**
 * Why this request must be refused as cross-site, or null when it may go on.
 * `trustedHosts` are further hosts the dashboard is served from (TRUSTED_ORIGINS).
 */
export function crossSiteRefusal(request: Request, trustedHosts: readonly string[] = []): string | null {
  if (SAFE_METHODS.has(request.method.toUpperCase()) || usesBearerToken(request)) return null;
  const origin = request.headers.get("origin");
  if (origin !== null) {
    let host: string | null = null;
    try {
      host = origin === "null" ? null : new URL(origin).host.toLowerCase();
    } catch {
      host = null;
    }
    return host !== null && (host === requestHost(request) || trustedHosts.includes(host)) ? null : `Origin ${origin.slice(0, 100)} is not this site`;
  }
  const site = request.headers.get("sec-fetch-site");
  if (site !== null && site !== "same-origin" && site !== "none") return `Sec-Fetch-Site is ${site.slice(0, 20)}`;
  return null;
}

export const CROSS_SITE_MESSAGE = "Cross-site requests cannot change anything here: send it from the Framewise dashboard itself, or use an API token.";
