import { defineConfig } from "prisma/config";

// The Prisma CLI is used here only for `prisma generate` (its migration engine
// cannot be downloaded on every machine); migrations are applied by
// lib/db/migrate.ts and authored by scripts/migration-new.ts. The URL below is
// what `prisma migrate deploy` would use on a machine where the CLI works.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://localhost:5432/framewise" },
});
