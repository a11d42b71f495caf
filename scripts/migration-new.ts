// Authors a migration: diffs the schema as of the last migration (kept in
// prisma/migrations/schema.snapshot.prisma) against prisma/schema.prisma and
// writes prisma/migrations/<timestamp>_<name>/migration.sql, the layout
// `prisma migrate deploy` reads. Usage: npm run migration:new -- add_workers
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { diffSchemas, isEmptyDiff } from "../lib/db/schema-diff";
import { MIGRATIONS_DIR } from "../lib/db/migrate";
import { withDatabase } from "./database";

const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error("usage: npm run migration:new -- <name in snake_case>");
  process.exit(2);
}
const snapshotPath = path.join(MIGRATIONS_DIR, "schema.snapshot.prisma");
const current = await readFile(path.join(process.cwd(), "prisma", "schema.prisma"), "utf8");
const previous = existsSync(snapshotPath) ? await readFile(snapshotPath, "utf8") : null;

const sql = await withDatabase((url) => diffSchemas(previous, current, url));
if (isEmptyDiff(sql)) {
  console.log("schema.prisma has no changes since the last migration");
  process.exit(0);
}
const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
const dir = path.join(MIGRATIONS_DIR, `${stamp}_${name}`);
await mkdir(dir, { recursive: true });
await writeFile(path.join(dir, "migration.sql"), sql);
await writeFile(snapshotPath, current);
if (!existsSync(path.join(MIGRATIONS_DIR, "migration_lock.toml"))) {
  await writeFile(path.join(MIGRATIONS_DIR, "migration_lock.toml"), 'provider = "postgresql"\n');
}
console.log(`wrote ${path.relative(process.cwd(), dir)}/migration.sql`);
process.exit(0);
