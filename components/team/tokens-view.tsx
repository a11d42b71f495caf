"use client";
import { useState, type FormEvent } from "react";
import { toast } from "sonner";
import { messageOf } from "@/lib/client/api";
import { formatDateTime, formatRelative } from "@/lib/client/format";
import { useCreateToken, useRevokeToken, useTokens, type ApiTokenView } from "@/lib/client/team";
import { hasRole, ROLE_LABEL, ROLES, type Role } from "@/lib/auth/roles";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { ConfirmDialog } from "@/components/ui/dialog";
import { Table, TBody, TD, TH, THead, TR } from "@/components/ui/table";
import { useCurrentUser } from "@/components/auth/current-user";
import { QueryBody } from "./query-body";
import { inputClass, SecretOnce } from "./secret-once";

const EXPIRY = [
  { value: "30", label: "30 days" },
  { value: "90", label: "90 days" },
  { value: "365", label: "1 year" },
  { value: "", label: "Never" },
];

function tokenState(t: ApiTokenView): { label: string; tone: "success" | "danger" | "neutral" } {
  if (t.revokedAt) return { label: "Revoked", tone: "neutral" };
  if (t.expiresAt && Date.parse(t.expiresAt) <= Date.now()) return { label: "Expired", tone: "danger" };
  return { label: "Active", tone: "success" };
}

export function TokensView() {
  const me = useCurrentUser();
  const tokens = useTokens();
  const create = useCreateToken();
  const revoke = useRevokeToken();
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("viewer");
  const [days, setDays] = useState("90");
  const [secret, setSecret] = useState<{ name: string; token: string } | null>(null);
  const [revoking, setRevoking] = useState<ApiTokenView | null>(null);
  const allowed = ROLES.filter((r) => me && hasRole(me.role, r));

  async function submit(e: FormEvent) {
    e.preventDefault();
    const expiresAt = days ? new Date(Date.now() + Number(days) * 86_400_000).toISOString() : null;
    try {
      const created = await create.mutateAsync({ name, role, expiresAt });
      setSecret({ name, token: created.token });
      setName("");
    } catch (error) {
      toast.error(messageOf(error));
    }
  }

  async function confirmRevoke() {
    if (!revoking) return;
    try {
      await revoke.mutateAsync(revoking.id);
      toast.success(`Token “${revoking.name}” revoked; it no longer works.`);
    } catch (error) {
      toast.error(messageOf(error));
    }
    setRevoking(null);
  }

  return (
    <div className="space-y-6">
      <Card aria-label="New token">
        <CardHeader title="New API token" description="For scripts: send it as Authorization: Bearer <token>. Its role is at most yours, and it stops working if your account is disabled." />
        <CardBody className="space-y-3">
          <form className="flex flex-wrap items-end gap-3" onSubmit={(e) => void submit(e)}>
            <label className="flex flex-col gap-1 text-sm">
              Name
              <input className={inputClass} required maxLength={100} placeholder="e.g. nightly-report" value={name} onChange={(e) => setName(e.target.value)} />
            </label>
            <label className="flex flex-col gap-1 text-sm">
              Role
              <select className={inputClass} value={role} onChange={(e) => setRole(e.target.value as Role)}>
                {allowed.map((r) => (
                  <option key={r} value={r}>
                    {ROLE_LABEL[r]}
                  </option>
                ))}
              </select>
            </label>
            <label className="flex flex-col gap-1 text-sm">
              Expires after
              <select className={inputClass} value={days} onChange={(e) => setDays(e.target.value)}>
                {EXPIRY.map((x) => (
                  <option key={x.label} value={x.value}>
                    {x.label}
                  </option>
                ))}
              </select>
            </label>
            <Button type="submit" variant="primary" disabled={create.isPending}>
              {create.isPending ? "Creating…" : "Create token"}
            </Button>
          </form>
          {secret && <SecretOnce label={`Token “${secret.name}”`} secret={secret.token} onDone={() => setSecret(null)} />}
        </CardBody>
      </Card>

      <Card aria-label="Tokens">
        <CardHeader title={me?.role === "admin" ? "All API tokens" : "Your API tokens"} />
        <QueryBody query={tokens} label="Loading tokens" empty={{ when: (d) => d.tokens.length === 0, title: "No tokens yet", description: "Create one above for a script or another service." }}>
          {(data) => (
          <Table>
            <THead>
              <tr>
                <TH>Name</TH>
                <TH>Role</TH>
                <TH>Token</TH>
                {me?.role === "admin" && <TH>Owner</TH>}
                <TH>Last used</TH>
                <TH>Expires</TH>
                <TH>Status</TH>
                <TH className="text-right">Actions</TH>
              </tr>
            </THead>
            <TBody>
              {data.tokens.map((t) => {
                const state = tokenState(t);
                return (
                  <TR key={t.id} data-testid="token-row" data-name={t.name}>
                    <TD className="font-medium">{t.name}</TD>
                    <TD>{ROLE_LABEL[t.role]}</TD>
                    <TD className="font-mono text-xs">{t.prefix}…</TD>
                    {me?.role === "admin" && <TD>{t.owner ?? "API_TOKEN"}</TD>}
                    <TD title={formatDateTime(t.lastUsedAt)}>{t.lastUsedAt ? formatRelative(t.lastUsedAt) : "never"}</TD>
                    <TD title={formatDateTime(t.expiresAt)}>{t.expiresAt ? formatDateTime(t.expiresAt) : "never"}</TD>
                    <TD>
                      <Badge tone={state.tone}>{state.label}</Badge>
                    </TD>
                    <TD className="text-right">
                      {!t.revokedAt && (
                        <Button size="sm" variant="ghost" className="text-red-600 dark:text-red-400" onClick={() => setRevoking(t)}>
                          Revoke
                        </Button>
                      )}
                    </TD>
                  </TR>
                );
              })}
            </TBody>
          </Table>
          )}
        </QueryBody>
      </Card>
      <ConfirmDialog
        open={revoking !== null}
        title={`Revoke “${revoking?.name ?? ""}”?`}
        description="Scripts using it get 401 from their next request. This cannot be undone; create a new token instead."
        confirmLabel="Revoke token"
        tone="danger"
        pending={revoke.isPending}
        onConfirm={() => void confirmRevoke()}
        onClose={() => !revoke.isPending && setRevoking(null)}
      />
    </div>
  );
}
