import { pool } from "@/lib/db/client";

export const dynamic = "force-dynamic";

// The one route without authentication: load balancers and `npm start` poll it.
export async function GET(): Promise<Response> {
  try {
    await pool().query("SELECT 1");
    return Response.json({ status: "ok" });
  } catch (error) {
    return Response.json({ status: "unavailable", error: (error as Error).message }, { status: 503 });
  }
}
