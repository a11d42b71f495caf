import "server-only";
import { z } from "zod";
import { DomainError, videoNotFound } from "@/lib/pipeline/errors";

/** A video id from a URL: a UUID, or "not found" (never a path fragment). */
export function videoId(raw: string): string {
  if (!z.string().uuid().safeParse(raw).success) throw videoNotFound(raw);
  return raw;
}

/** The answer of every list to a cursor it did not make (both lists: 400, never a silent first page). */
export const badCursor = () => new DomainError("invalid", "invalid_cursor", "This page cursor is not valid for this list; load the first page again.");
