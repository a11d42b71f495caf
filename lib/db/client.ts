import "server-only";
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { databaseUrl } from "@/lib/env";

// One pg pool per process, shared by Prisma (through its driver adapter) and by
// the raw SQL in lib/**/sql/. Kept on globalThis so Next's dev reloads do not
// open a new pool per edit.
const globalForDb = globalThis as unknown as { fwPool?: pg.Pool; fwPrisma?: PrismaClient };

export function pool(): pg.Pool {
  globalForDb.fwPool ??= createPool(databaseUrl());
  return globalForDb.fwPool;
}

export function createPool(url: string, max = 10): pg.Pool {
  const p = new pg.Pool({ connectionString: url, max, application_name: "framewise" });
  // A client that loses its connection (PostgreSQL restart) emits 'error':
  // on the pool while idle, on the client itself while checked out. Without
  // a listener either one crashes the process; with one, the query in flight
  // rejects, the broken client is discarded on release, and the next checkout
  // opens a new connection.
  p.on("error", () => {});
  p.on("connect", (client) => client.on("error", () => {}));
  return p;
}

export function prisma(): PrismaClient {
  globalForDb.fwPrisma ??= new PrismaClient({ adapter: new PrismaPg(pool()) });
  return globalForDb.fwPrisma;
}

/** Anything that runs a query: the pool, a pooled client in a transaction, or a lone client. */
export type Db = pg.Pool | pg.PoolClient | pg.Client;

/** Runs fn in one transaction on one connection. */
export async function transaction<T>(db: pg.Pool, fn: (tx: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await db.connect();
  try {
    await client.query("BEGIN");
    const result = await fn(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
