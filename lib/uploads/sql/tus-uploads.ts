import type pg from "pg";

// The rows behind resumable uploads (tus_uploads), shared by every web
// process. Offsets move only by a guarded update that names the offset and
// part count the writer started from, so two processes can never both
// append at the same offset even if a lock were lost.

type Db = pg.Pool | pg.PoolClient;

export interface TusUploadRow {
  id: string;
  uploadLength: number | null;
  uploadOffset: number;
  parts: number;
  metadata: Record<string, string | null> | null;
  createdAt: Date;
  result: unknown;
  finishingUntil: Date | null;
}

const COLUMNS = `id, upload_length::float8 AS "uploadLength", upload_offset::float8 AS "uploadOffset", parts, metadata,
                 created_at AS "createdAt", result, finishing_until AS "finishingUntil"`;

export async function insertTusUpload(db: Db, u: { id: string; uploadLength: number | null; metadata: Record<string, string | null> | null; createdAt: Date }): Promise<void> {
  await db.query(`INSERT INTO tus_uploads (id, upload_length, metadata, created_at) VALUES ($1, $2, $3, $4)`, [u.id, u.uploadLength, u.metadata, u.createdAt]);
}

export async function readTusUpload(db: Db, id: string): Promise<TusUploadRow | null> {
  const { rows } = await db.query<TusUploadRow>(`SELECT ${COLUMNS} FROM tus_uploads WHERE id = $1`, [id]);
  return rows[0] ?? null;
}

/** Records one more stored part; false when the upload moved on (or went) meanwhile. */
export async function appendTusPart(db: Db, id: string, from: { offset: number; parts: number }, bytes: number): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE tus_uploads SET upload_offset = upload_offset + $4, parts = parts + 1
      WHERE id = $1 AND upload_offset = $2 AND parts = $3 AND result IS NULL`,
    [id, from.offset, from.parts, bytes],
  );
  return rowCount === 1;
}

export async function declareTusLength(db: Db, id: string, length: number): Promise<void> {
  await db.query(`UPDATE tus_uploads SET upload_length = $2 WHERE id = $1 AND upload_length IS NULL`, [id, length]);
}

export async function deleteTusUpload(db: Db, id: string): Promise<void> {
  await db.query(`DELETE FROM tus_uploads WHERE id = $1`, [id]);
}

/**
 * Takes the right to turn a complete upload into a video for `holdSeconds`:
 * one process at a time across the fleet; a holder that crashed lets it
 * lapse. Returns false when another process holds it or it is settled.
 */
export async function claimTusFinish(db: Db, id: string, holdSeconds: number, finishing: unknown): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE tus_uploads SET finishing_until = now() + make_interval(secs => $2), result = $3
      WHERE id = $1 AND upload_length IS NOT NULL AND upload_offset = upload_length
        AND (result IS NULL OR (result->>'state' = 'finishing' AND (finishing_until IS NULL OR finishing_until < now())))`,
    [id, holdSeconds, finishing],
  );
  return rowCount === 1;
}

/** Writes the outcome (created / refused / back to finishing-for-a-retry) and lets go of the claim. */
export async function settleTusUpload(db: Db, id: string, result: unknown, final: boolean): Promise<void> {
  await db.query(
    `UPDATE tus_uploads SET result = $2, finishing_until = NULL, finished_at = CASE WHEN $3 THEN now() ELSE finished_at END WHERE id = $1`,
    [id, result, final],
  );
}

/** Uploads the hourly sweep looks at: complete ones nobody finished, expired ones, and settled ones whose answer is old. */
export async function listTusUploadsToSweep(db: Db, expiredBefore: Date, forgetBefore: Date): Promise<TusUploadRow[]> {
  const { rows } = await db.query<TusUploadRow>(
    `SELECT ${COLUMNS} FROM tus_uploads
      WHERE (result IS NULL AND upload_length IS NOT NULL AND upload_offset = upload_length)
         OR (result IS NULL AND created_at < $1)
         OR (result->>'state' = 'finishing' AND (finishing_until IS NULL OR finishing_until < now()))
         OR (finished_at < $2)
      ORDER BY created_at LIMIT 1000`,
    [expiredBefore, forgetBefore],
  );
  return rows;
}
