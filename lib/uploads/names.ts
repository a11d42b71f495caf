import { DomainError } from "@/lib/pipeline/errors";

// File names and titles come from the client (multipart filename / filename*,
// tus Upload-Metadata, the title field). A NUL cannot be stored in a
// PostgreSQL text column (it used to surface as a 500), and other control
// characters (newlines, escapes, bidi overrides) have no place in a name an
// operator reads; they are refused with a sentence rather than silently
// rewritten, so the client learns what it sent.

// C0 and C1 controls, DEL, and the Unicode bidi overrides/isolates.
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;

/** The text, or a DomainError (400) that says which one is wrong and why. (Overlong ones are cut by createVideo.) */
export function checkUploadText(value: string, what: "file name" | "title"): string {
  if (FORBIDDEN.test(value)) {
    throw new DomainError("invalid", what === "title" ? "invalid_title" : "invalid_file_name", `The ${what} contains a control character; remove it and upload again.`);
  }
  return value;
}
