import { randomBytes } from "node:crypto";
import { rename, rm, writeFile } from "node:fs/promises";

// A reader (the API serving captions.vtt) sees the old file or the new one,
// never half of one: write beside the target, then rename over it (rename is
// atomic within a file system, and the temp file is in the same directory).
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  const temp = `${target}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  try {
    await writeFile(temp, data);
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
