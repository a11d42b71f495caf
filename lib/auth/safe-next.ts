// Where to go after signing in: only a path on this site. Resolved the way
// the browser will resolve it (new URL against our origin), so "/\t/evil.example/"
// (the browser strips tabs and newlines: "//evil.example/"), "/\\evil.example",
// "https://..." and "javascript:..." all land on another origin and go to "/".
export function safeNextPath(next: string | null | undefined, origin: string): string {
  if (!next || !next.startsWith("/")) return "/";
  let url: URL;
  try {
    url = new URL(next, origin);
  } catch {
    return "/";
  }
  if (url.origin !== new URL(origin).origin) return "/";
  return `${url.pathname}${url.search}${url.hash}`;
}
