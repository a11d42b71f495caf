// A page's Content-Security-Policy. proxy.ts sets it with a fresh nonce per
// request (Next reads the nonce from the request's CSP header and puts it on
// its own scripts, which needs the page rendered per request: app/layout.tsx).
// The headers every response gets (frame, sniffing, referrer, the API's CSP)
// are in next.config.js.

/**
 * A page's policy: scripts only with this request's nonce ('strict-dynamic'
 * lets them load Next's chunks), no eval outside development (React's dev
 * tools need it). Styles allow inline because React renders style=""
 * attributes (progress bars, charts) that a nonce cannot cover; injected
 * styles cannot run code.
 */
export function pageCsp(nonce: string, development: boolean): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${development ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' blob: data:",
    "media-src 'self' blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}
