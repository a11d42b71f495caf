import { ERRORS, type Lock, type Locker } from "@tus/utils";
import type pg from "pg";

// tus locks an upload for the length of each request, so two requests of one
// upload never write at once. @tus/server's MemoryLocker only sees its own
// process; behind a load balancer without stickiness the requests of one
// upload reach different processes, so the lock is a PostgreSQL advisory
// lock instead. It is held on a connection of its own for the request's
// length, and a process that dies drops its connection and with it its locks.
//
// MemoryLocker can ask the current holder to let go (a client that resumes
// while its old request is still open); across processes there is no such
// channel, so a second request waits for the first to end, up to the timeout
// (the old request ends when its socket closes).

/** Namespace of the two-key advisory lock (the other key is hashtext(upload id)). */
const LOCK_SPACE = 72_261_010;
const POLL_MS = 100;

export class PgLocker implements Locker {
  constructor(
    private readonly pool: pg.Pool,
    private readonly timeoutMs = 30_000,
  ) {}

  newLock(id: string): Lock {
    return new PgLock(this.pool, id, this.timeoutMs);
  }
}

class PgLock implements Lock {
  private client: pg.PoolClient | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly id: string,
    private readonly timeoutMs: number,
  ) {}

  // The second argument (a way to ask the holder to let go) has no meaning across processes; see above.
  async lock(signal: AbortSignal): Promise<void> {
    const client = await this.pool.connect();
    const deadline = Date.now() + this.timeoutMs;
    try {
      for (;;) {
        const { rows } = await client.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok`, [LOCK_SPACE, this.id]);
        if (rows[0]?.ok) {
          this.client = client;
          return;
        }
        if (signal.aborted || Date.now() > deadline) throw ERRORS.ERR_LOCK_TIMEOUT;
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    } catch (error) {
      client.release();
      throw error;
    }
  }

  async unlock(): Promise<void> {
    const client = this.client;
    if (!client) throw new Error("Releasing an unlocked lock!");
    this.client = undefined;
    try {
      await client.query(`SELECT pg_advisory_unlock($1, hashtext($2))`, [LOCK_SPACE, this.id]);
      client.release();
    } catch (error) {
      // A connection that cannot unlock is closed, which unlocks.
      client.release(error as Error);
    }
  }
}
