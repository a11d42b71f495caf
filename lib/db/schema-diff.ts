import { SchemaEngine } from "@prisma/schema-engine-wasm";
import { PrismaPg } from "@prisma/adapter-pg";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";

/**
 * SQL that takes a database from the schema `from` (a Prisma schema text, or
 * null for an empty database) to the schema `to`, computed by Prisma's own
 * schema engine (the WebAssembly build, so no engine download is needed).
 * The engine opens a connection to `databaseUrl` only to learn the server
 * version; it reads and writes nothing there.
 */
export async function diffSchemas(from: string | null, to: string, databaseUrl: string): Promise<string> {
  const adapter = bindMigrationAwareSqlAdapterFactory(new PrismaPg({ connectionString: databaseUrl }));
  const engine = await SchemaEngine.new({ datamodels: [["schema.prisma", to]] }, () => {}, adapter);
  try {
    const filters = { externalTables: [], externalEnums: [] };
    const result = await engine.diff({
      from: from === null ? { tag: "empty" } : { tag: "schemaDatamodel", files: [{ path: "schema.prisma", content: from }] },
      to: { tag: "schemaDatamodel", files: [{ path: "schema.prisma", content: to }] },
      script: true,
      exitCode: null,
      filters,
    });
    return result.stdout ?? "";
  } finally {
    engine.free();
  }
}

/** True when a diff script changes nothing (the engine still prints a comment). */
export function isEmptyDiff(sql: string): boolean {
  return sql.split("\n").every((line) => line.trim() === "" || line.trim().startsWith("--"));
}
