import { readdir } from "node:fs/promises";
import path from "node:path";

// The API routes as the file system has them, for the tests that walk every
// route (401 without credentials, 403 below the role a route needs).
export const API_DIR = path.join(process.cwd(), "app", "api");

/** Routes (and methods) that are public by design. */
export const PUBLIC_ROUTES: Record<string, string[]> = {
  "health/route.ts": ["GET"],
  "auth/login/route.ts": ["POST"],
  "auth/logout/route.ts": ["POST"],
};

export const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

export async function apiRouteFiles(): Promise<string[]> {
  const entries = await readdir(API_DIR, { recursive: true });
  return entries.filter((e) => e.endsWith("route.ts")).sort();
}

/** The handlers a route file exports that need credentials. */
export async function protectedHandlers(file: string): Promise<[string, (r: Request, c: { params: Promise<Record<string, unknown>> }) => Promise<Response>][]> {
  const mod = (await import(/* @vite-ignore */ path.join(API_DIR, file))) as Record<string, unknown>;
  return METHODS.filter((m) => typeof mod[m] === "function" && !(PUBLIC_ROUTES[file] ?? []).includes(m)).map((m) => [m, mod[m] as never]);
}
