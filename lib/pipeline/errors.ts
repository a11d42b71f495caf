// Errors a command or query raises for the operator: a stable code and a
// sentence they can act on. lib/http/respond.ts maps them to HTTP.
export type DomainErrorKind = "invalid" | "not_found" | "conflict" | "too_large" | "unsupported";

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "DomainError";
  }
}

export const videoNotFound = (id: string) => new DomainError("not_found", "video_not_found", `No video with id ${id}.`);
