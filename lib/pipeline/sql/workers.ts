import "server-only";
import type { Db } from "@/lib/db/client";

export async function upsertWorker(db: Db, w: { id: string; host: string; pid: number; concurrency: number; inFlight: number }): Promise<void> {
  await db.query(
    `INSERT INTO workers (id, host, pid, concurrency, in_flight) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (id) DO UPDATE SET in_flight = EXCLUDED.in_flight, last_seen_at = now(), stopped_at = NULL`,
    [w.id, w.host, w.pid, w.concurrency, w.inFlight],
  );
}

export async function markWorkerStopped(db: Db, id: string): Promise<void> {
  await db.query(`UPDATE workers SET stopped_at = now(), in_flight = 0, last_seen_at = now() WHERE id = $1`, [id]);
}
