import { pool } from "@/lib/db/client";
import { actorOf, recordAudit } from "./record";

/** A refused sign-in: the address tried (never the password), and from where. */
export async function recordSignInFailure(request: Request, email: string): Promise<void> {
  const tried = email.trim().toLowerCase().slice(0, 320);
  await recordAudit(pool(), actorOf(null, request, tried), { action: "auth.sign_in_failed", detail: { email: tried }, result: "invalid_credentials" }).catch((e) =>
    console.error("[audit] could not record:", e),
  );
}
