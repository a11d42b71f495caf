"use client";
import { useState } from "react";
import type { AuditFilters } from "@/lib/client/team";
import { Card, CardHeader } from "@/components/ui/card";
import { AuditList } from "./audit-list";
import { inputClass } from "./secret-once";

const ACTIONS = [
  { value: "", label: "All actions" },
  { value: "video", label: "Video actions" },
  { value: "video.upload", label: "Uploads" },
  { value: "video.retry", label: "Retries" },
  { value: "video.cancel", label: "Cancels" },
  { value: "video.delete", label: "Deletes" },
  { value: "video.encode_anyway", label: "Encode anyway" },
  { value: "user", label: "User changes" },
  { value: "token", label: "Token changes" },
  { value: "webhook", label: "Webhook changes" },
  { value: "auth", label: "Sign-in failures" },
  { value: "request", label: "Refused requests" },
];

export function AuditView() {
  const [actor, setActor] = useState("");
  const [filters, setFilters] = useState<AuditFilters>({});
  const set = (patch: AuditFilters) => setFilters((f) => ({ ...f, ...patch }));
  return (
    <Card aria-label="Audit trail">
      <CardHeader
        title="Audit trail"
        description="Every state-changing action, refused ones included: who, what, which video, when, from where, result."
        actions={
          <form
            className="flex flex-wrap items-center gap-2"
            onSubmit={(e) => {
              e.preventDefault();
              set({ actor: actor.trim() || undefined });
            }}
          >
            <input className={inputClass} aria-label="Actor" placeholder="who (email or token)" value={actor} onChange={(e) => setActor(e.target.value)} onBlur={() => set({ actor: actor.trim() || undefined })} />
            <select className={inputClass} aria-label="Action" value={filters.action ?? ""} onChange={(e) => set({ action: e.target.value || undefined })}>
              {ACTIONS.map((a) => (
                <option key={a.value} value={a.value}>
                  {a.label}
                </option>
              ))}
            </select>
            <select className={inputClass} aria-label="Result" value={filters.result ?? ""} onChange={(e) => set({ result: (e.target.value || undefined) as AuditFilters["result"] })}>
              <option value="">Any result</option>
              <option value="ok">Succeeded</option>
              <option value="refused">Refused or failed</option>
            </select>
          </form>
        }
      />
      <AuditList filters={filters} emptyText="Nothing recorded matches these filters." />
    </Card>
  );
}
