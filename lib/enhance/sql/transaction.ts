import type pg from "pg";

export type Queryable = pg.Pool | pg.PoolClient;

/**
 * The limiter's state is soft: if PostgreSQL crashed right after a commit,
 * losing that commit costs at most a few calls more than the limit, once. So
 * its transactions commit without waiting for the WAL flush, which would
 * otherwise be held inside the fleet-wide row lock and cap the whole fleet
 * at one acquire per fsync (~125/s on a slow disk). Set per transaction,
 * never on the session: the pool's connections are shared with frame writes,
 * which must stay durable.
 */
export const ASYNC_COMMIT = "SET LOCAL synchronous_commit TO OFF";

/**
 * Every acquirer of the fleet queues behind the holder of the state row lock.
 * A holder that stops mid-transaction (a frozen process, a partitioned
 * network) is cut off by the server after this long instead of stalling the
 * fleet until TCP gives up on it.
 */
export const HOLDER_TIMEOUT = "SET LOCAL idle_in_transaction_session_timeout = '10s'";

/**
 * Runs fn in a transaction that commits asynchronously (see ASYNC_COMMIT). A
 * Pool lends a connection for it; a PoolClient must not already be inside a
 * transaction (the caller's COMMIT would then decide ours, and our row lock
 * would live as long as the caller's work).
 */
export async function inTransaction<T>(db: Queryable, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const isClient = typeof (db as pg.PoolClient).release === "function";
  const client = isClient ? (db as pg.PoolClient) : await (db as pg.Pool).connect();
  let result: T;
  try {
    // One round trip (simple protocol, no parameters).
    await client.query(`BEGIN; ${ASYNC_COMMIT}; ${HOLDER_TIMEOUT}`);
    result = await fn(client);
    await client.query("COMMIT");
  } catch (error) {
    // A connection that cannot even roll back is broken: destroy it rather
    // than return it to the pool.
    const broken = await client.query("ROLLBACK").then(
      () => false,
      () => true,
    );
    if (!isClient) client.release(broken);
    throw error;
  }
  if (!isClient) client.release();
  return result;
}
