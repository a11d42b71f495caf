import { createHash } from "node:crypto";
import { cp, mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { createTestDatabase } from "@/test/support/db";
import { migrate, MIGRATIONS_DIR, readMigrations } from "./migrate";
import { diffSchemas, isEmptyDiff } from "./schema-diff";

// The committed migrations and prisma/schema.prisma must describe the same
// database: one built from the migrations and one built from Prisma's own
// diff-from-empty of the schema have identical catalogs.
async function catalog(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const q = async (sql: string) => (await client.query(sql)).rows.map((r) => Object.values(r).join(" | "));
    return [
      ...(await q(`SELECT table_name, column_name, data_type, udt_name, is_nullable, coalesce(column_default, '') FROM information_schema.columns
                   WHERE table_schema = 'public' AND table_name <> '_prisma_migrations' ORDER BY table_name, column_name`)),
      ...(await q(`SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename <> '_prisma_migrations' ORDER BY tablename, indexname`)),
      ...(await q(`SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
                   WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text <> '_prisma_migrations' ORDER BY 1, 2`)),
      ...(await q(`SELECT t.typname, string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname ORDER BY 1`)),
    ];
  } finally {
    await client.end();
  }
}

describe("migrations", async () => {
  const migrated = await createTestDatabase(); // a clone of the migrated template
  const fromSchema = await createTestDatabase();

  it("agree with prisma/schema.prisma", async () => {
    const schema = await readFile(path.join(process.cwd(), "prisma", "schema.prisma"), "utf8");
    const client = new pg.Client({ connectionString: fromSchema.url });
    await client.connect();
    await client.query(`DROP SCHEMA public CASCADE; CREATE SCHEMA public;`);
    await client.query(await diffSchemas(null, schema, fromSchema.url));
    await client.end();
    const [a, b] = await Promise.all([catalog(migrated.url), catalog(fromSchema.url)]);
    expect(a.length).toBeGreaterThan(50);
    expect(a).toEqual(b);
  });

  it("have a snapshot equal to the schema, so no change is waiting for a migration", async () => {
    const schema = await readFile(path.join(process.cwd(), "prisma", "schema.prisma"), "utf8");
    const snapshot = await readFile(path.join(MIGRATIONS_DIR, "schema.snapshot.prisma"), "utf8");
    expect(isEmptyDiff(await diffSchemas(snapshot, schema, migrated.url))).toBe(true);
  });

  it("are recorded with Prisma's bookkeeping (sha256 checksums) and applied once", async () => {
    const { rows } = await migrated.pool.query(`SELECT migration_name, checksum, finished_at FROM _prisma_migrations ORDER BY migration_name`);
    const files = await readMigrations();
    expect(rows.map((r) => r.migration_name)).toEqual(files.map((m) => m.name));
    for (const m of files) {
      expect(rows.find((r) => r.migration_name === m.name)?.checksum).toBe(createHash("sha256").update(m.sql).digest("hex"));
    }
    expect(await migrate(migrated.url)).toEqual([]);
  });

  it("refuses a migration that was edited after it was applied", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "framewise-migrations-"));
    await cp(MIGRATIONS_DIR, dir, { recursive: true });
    const [first] = await readMigrations(dir);
    await writeFile(path.join(dir, first!.name, "migration.sql"), `${first!.sql}\n-- edited\n`);
    await expect(migrate(migrated.url, dir)).rejects.toThrow(/was changed after it was applied/);
  });
});
