import { z } from "zod";
import { videoNotFound } from "@/lib/pipeline/errors";

/** A video id from a URL: a UUID, or "not found" (never a path fragment). */
export function videoId(raw: string): string {
  if (!z.string().uuid().safeParse(raw).success) throw videoNotFound(raw);
  return raw;
}
