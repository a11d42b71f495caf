"use client";
import { useState, type FormEvent } from "react";
import { toast } from "sonner";
import { messageOf } from "@/lib/client/api";
import { formatDateTime, formatRelative } from "@/lib/client/format";
import { useCreateUser, useUpdateUser, useUsers, type UserView } from "@/lib/client/team";
import { ROLE_DESCRIPTION, ROLE_LABEL, ROLES, type Role } from "@/lib/auth/roles";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { ConfirmDialog } from "@/components/ui/dialog";
import { Table, TBody, TD, TH, THead, TR } from "@/components/ui/table";
import { useCurrentUser } from "@/components/auth/current-user";
import { QueryBody } from "./query-body";
import { generatePassword, inputClass, SecretOnce } from "./secret-once";

export function UsersView() {
  const users = useUsers();
  const me = useCurrentUser();
  const update = useUpdateUser();
  const [shown, setShown] = useState<{ label: string; secret: string } | null>(null);
  const [confirm, setConfirm] = useState<{ user: UserView; kind: "disable" | "reset" } | null>(null);

  async function change(user: UserView, body: { role?: Role; disabled?: boolean; password?: string }, done: string) {
    try {
      await update.mutateAsync({ id: user.id, ...body });
      toast.success(done);
      return true;
    } catch (error) {
      toast.error(messageOf(error));
      return false;
    }
  }

  async function confirmed() {
    if (!confirm) return;
    const { user, kind } = confirm;
    if (kind === "disable") {
      await change(user, { disabled: true }, `${user.email} is disabled; their sessions have ended.`);
    } else {
      const password = generatePassword();
      if (await change(user, { password }, `New password set for ${user.email}; their sessions have ended.`)) {
        setShown({ label: `New password for ${user.email}`, secret: password });
      }
    }
    setConfirm(null);
  }

  return (
    <div className="space-y-6">
      <AddUser onCreated={(email, password) => setShown(password ? { label: `Initial password for ${email}`, secret: password } : null)} />
      {shown && <SecretOnce label={shown.label} secret={shown.secret} onDone={() => setShown(null)} />}
      <Card aria-label="Users">
        <CardHeader title="Users" description={ROLES.map((r) => `${ROLE_LABEL[r]}: ${ROLE_DESCRIPTION[r]}`).join(" · ")} />
        <QueryBody query={users} label="Loading users">
          {(data) => (
          <Table>
            <THead>
              <tr>
                <TH>Email</TH>
                <TH>Role</TH>
                <TH>Status</TH>
                <TH>Last sign-in</TH>
                <TH>Added</TH>
                <TH className="text-right">Actions</TH>
              </tr>
            </THead>
            <TBody>
              {data.users.map((user) => (
                <TR key={user.id} data-testid="user-row" data-email={user.email}>
                  <TD className="font-medium">
                    {user.email}
                    {user.id === me?.id && <span className="ml-2 text-xs text-zinc-500">(you)</span>}
                  </TD>
                  <TD>
                    <select
                      aria-label={`Role of ${user.email}`}
                      className={inputClass}
                      value={user.role}
                      disabled={update.isPending}
                      onChange={(e) => void change(user, { role: e.target.value as Role }, `${user.email} is now ${e.target.value}.`)}
                    >
                      {ROLES.map((r) => (
                        <option key={r} value={r}>
                          {ROLE_LABEL[r]}
                        </option>
                      ))}
                    </select>
                  </TD>
                  <TD>{user.disabled ? <Badge tone="danger">Disabled</Badge> : <Badge tone="success">Active</Badge>}</TD>
                  <TD title={formatDateTime(user.lastSignInAt)}>{user.lastSignInAt ? formatRelative(user.lastSignInAt) : "never"}</TD>
                  <TD title={formatDateTime(user.createdAt)}>{formatRelative(user.createdAt)}</TD>
                  <TD className="text-right whitespace-nowrap">
                    <Button size="sm" variant="ghost" onClick={() => setConfirm({ user, kind: "reset" })}>
                      Reset password
                    </Button>
                    {user.disabled ? (
                      <Button size="sm" variant="ghost" onClick={() => void change(user, { disabled: false }, `${user.email} can sign in again.`)}>
                        Enable
                      </Button>
                    ) : (
                      user.id !== me?.id && (
                        <Button size="sm" variant="ghost" className="text-red-600 dark:text-red-400" onClick={() => setConfirm({ user, kind: "disable" })}>
                          Disable
                        </Button>
                      )
                    )}
                  </TD>
                </TR>
              ))}
            </TBody>
          </Table>
          )}
        </QueryBody>
      </Card>
      <ConfirmDialog
        open={confirm !== null}
        title={confirm?.kind === "disable" ? `Disable ${confirm.user.email}?` : `Reset the password of ${confirm?.user.email ?? ""}?`}
        description={
          confirm?.kind === "disable"
            ? "They are signed out everywhere at once, cannot sign in, and their API tokens stop working until they are enabled again."
            : "A new password is generated and shown to you once; their sessions end now."
        }
        confirmLabel={confirm?.kind === "disable" ? "Disable" : "Reset password"}
        tone={confirm?.kind === "disable" ? "danger" : "primary"}
        pending={update.isPending}
        onConfirm={() => void confirmed()}
        onClose={() => !update.isPending && setConfirm(null)}
      />
    </div>
  );
}

function AddUser({ onCreated }: { onCreated: (email: string, password: string | null) => void }) {
  const create = useCreateUser();
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("operator");
  const [password, setPassword] = useState("");

  async function submit(e: FormEvent) {
    e.preventDefault();
    // An empty password field means "generate one and show it to me once".
    const chosen = password || generatePassword();
    try {
      await create.mutateAsync({ email, role, password: chosen });
      toast.success(`${email} added as ${role}.`);
      onCreated(email, password ? null : chosen);
      setEmail("");
      setPassword("");
    } catch (error) {
      toast.error(messageOf(error));
    }
  }

  return (
    <Card aria-label="Add a user">
      <CardHeader title="Add a user" description="Leave the password empty to generate one; it is shown once, to hand over." />
      <CardBody>
        <form className="flex flex-wrap items-end gap-3" onSubmit={(e) => void submit(e)}>
          <label className="flex flex-col gap-1 text-sm">
            Email
            <input className={inputClass} type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
          </label>
          <label className="flex flex-col gap-1 text-sm">
            Role
            <select className={inputClass} value={role} onChange={(e) => setRole(e.target.value as Role)}>
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {ROLE_LABEL[r]}
                </option>
              ))}
            </select>
          </label>
          <label className="flex flex-col gap-1 text-sm">
            Initial password
            <input className={inputClass} type="password" minLength={8} autoComplete="new-password" placeholder="generate one" value={password} onChange={(e) => setPassword(e.target.value)} />
          </label>
          <Button type="submit" variant="primary" disabled={create.isPending}>
            {create.isPending ? "Adding…" : "Add user"}
          </Button>
        </form>
      </CardBody>
    </Card>
  );
}
