import type { ReactNode } from "react";
import { requirePageUser } from "@/lib/auth/session";
import { hasRole, type Role } from "@/lib/auth/roles";
import { EmptyState } from "@/components/ui/empty-state";

/** A dashboard page for one role and up; anyone below sees why the page is closed, not a broken table. */
export async function RolePage({ role, title, description, children }: { role: Role; title: string; description: string; children: ReactNode }) {
  const user = await requirePageUser();
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-xl font-semibold tracking-tight">{title}</h1>
        <p className="mt-1 text-sm text-zinc-500 dark:text-zinc-400">{description}</p>
      </div>
      {hasRole(user.role, role) ? (
        children
      ) : (
        <EmptyState title={`This page is for the ${role} role`} description={`You are signed in as ${user.email} with the ${user.role} role. Ask an admin if you need more.`} />
      )}
    </div>
  );
}
