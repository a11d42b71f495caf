import "server-only";
import type pg from "pg";
import type { Db } from "@/lib/db/client";

// The sign-in throttle's statements (policy in lib/auth/login-throttle.ts).
//
// An attempt is counted *before* its password is checked, by one guarded
// upsert per key that refuses to count while the key is locked: concurrent
// upserts of one key serialise on its row, and each re-reads locked_until
// after the one before it committed, so a burst of parallel guesses gets
// exactly the free ones through, never "all of them, because none had
// failed yet".

export interface ThrottleKey {
  key: string;
  /** Attempts allowed in a row before each further one waits (1 s, 2 s, 4 s, ...). */
  free: number;
}

// failures after this attempt: 1 when the last attempt is older than the window.
const NEXT_FAILURES = `CASE WHEN t.last_attempt_at < now() - make_interval(secs => $3) THEN 1 ELSE t.failures + 1 END`;
const lockFor = (failures: string) =>
  `CASE WHEN ${failures} >= $2 THEN now() + make_interval(secs => least(power(2, ${failures} - $2), $3)) END`;

/** Counts one attempt on `key`; false (nothing counted) while the key is locked. */
export async function countAttempt(tx: pg.PoolClient, key: ThrottleKey, windowSeconds: number): Promise<boolean> {
  const { rowCount } = await tx.query(
    `INSERT INTO login_throttle AS t (key, failures, last_attempt_at, locked_until)
     VALUES ($1, 1, now(), ${lockFor("1")})
     ON CONFLICT (key) DO UPDATE SET
       failures = ${NEXT_FAILURES},
       last_attempt_at = now(),
       locked_until = ${lockFor(`(${NEXT_FAILURES})`)}
     WHERE t.locked_until IS NULL OR t.locked_until <= now()`,
    [key.key, key.free, windowSeconds],
  );
  return rowCount === 1;
}

/** Seconds until every one of `keys` is unlocked (0 when none is locked). */
export async function secondsLocked(db: Db, keys: string[]): Promise<number> {
  const { rows } = await db.query<{ seconds: number | null }>(
    `SELECT ceil(extract(epoch FROM max(locked_until) - now()))::int AS seconds
       FROM login_throttle WHERE key = ANY($1) AND locked_until > now()`,
    [keys],
  );
  return Math.max(0, rows[0]?.seconds ?? 0);
}

/**
 * A correct password: the account starts afresh; the address gives back the
 * attempt it was charged (its lock, if any, stays: one valid account must
 * not reset an address that is guessing at others).
 */
export async function forgiveAttempt(db: Db, accountKey: string, addressKey: string): Promise<void> {
  await db.query(`DELETE FROM login_throttle WHERE key = $1`, [accountKey]);
  await db.query(`UPDATE login_throttle SET failures = greatest(failures - 1, 0) WHERE key = $1`, [addressKey]);
}

/** Forgets keys idle for longer than the window and not locked (bounded per call). */
export async function forgetIdleKeys(db: Db, windowSeconds: number): Promise<void> {
  await db.query(
    `DELETE FROM login_throttle WHERE key IN (
       SELECT key FROM login_throttle
        WHERE last_attempt_at < now() - make_interval(secs => $1)
          AND (locked_until IS NULL OR locked_until <= now())
        LIMIT 500)`,
    [windowSeconds],
  );
}
