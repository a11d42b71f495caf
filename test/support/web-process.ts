// A web process for the scale-out test: the app's own route handlers
// (uploads, a video, its output) behind node:http, as `next start` would
// serve them, without a production build (which the vitest suite does not
// have; the Playwright suite covers the Next server itself). Each instance
// has its own DATA_DIR and memory; only PostgreSQL and storage are shared.
//   node --import tsx test/support/web-process.ts   (PORT, DATABASE_URL, STORAGE=..., API_TOKEN)
import http from "node:http";
import { Readable } from "node:stream";
import * as uploads from "@/app/api/uploads/[[...path]]/route";
import * as output from "@/app/api/videos/[id]/output/route";
import * as video from "@/app/api/videos/[id]/route";
import { env } from "@/lib/env";
import { checkedProcessStorage } from "@/lib/storage/open-storage";

type Handler = (request: Request, context: { params: Promise<Record<string, unknown>> }) => Promise<Response>;

function route(pathname: string, method: string): { handler: Handler; params: Record<string, unknown> } | null {
  const segments = pathname.split("/").filter(Boolean);
  const pick = (mod: Record<string, unknown>) => (mod[method] as Handler | undefined) ?? null;
  if (segments[0] !== "api") return null;
  if (segments[1] === "uploads") {
    const handler = pick(uploads);
    return handler ? { handler, params: { path: segments.length > 2 ? segments.slice(2) : undefined } } : null;
  }
  if (segments[1] === "videos" && segments.length === 3) {
    const handler = pick(video);
    return handler ? { handler, params: { id: segments[2] } } : null;
  }
  if (segments[1] === "videos" && segments.length === 4 && segments[3] === "output") {
    const handler = pick(output);
    return handler ? { handler, params: { id: segments[2] } } : null;
  }
  return null;
}

const server = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url ?? "/", `http://${req.headers.host ?? "localhost"}`);
    const found = route(url.pathname, req.method ?? "GET");
    if (!found) {
      res.writeHead(404).end();
      return;
    }
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value);
    const hasBody = req.method !== "GET" && req.method !== "HEAD";
    const request = new Request(url, {
      method: req.method,
      headers,
      body: hasBody ? (Readable.toWeb(req) as ReadableStream) : undefined,
      duplex: "half",
    } as RequestInit);
    const response = await found.handler(request, { params: Promise.resolve(found.params) });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (response.body && req.method !== "HEAD") Readable.fromWeb(response.body as never).pipe(res);
    else res.end();
  } catch (error) {
    console.error("[web] request failed:", error);
    if (!res.headersSent) res.writeHead(500);
    res.end();
  }
});

// Storage settings are checked at start, as the web server does on first use.
await checkedProcessStorage(env());
server.listen(env().PORT, "127.0.0.1", () => console.log(`web listening on ${env().PORT}`));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
