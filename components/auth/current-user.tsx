"use client";
import { createContext, useContext, type ReactNode } from "react";
import { hasRole, type Role } from "@/lib/auth/roles";

// The signed-in user, read by the dashboard layout on the server and handed
// down, so components hide what the role cannot do. Hiding is for the eye
// only: every API route checks the role again.
export interface CurrentUser {
  id: string;
  email: string;
  role: Role;
}

const CurrentUserContext = createContext<CurrentUser | null>(null);

export function CurrentUserProvider({ user, children }: { user: CurrentUser; children: ReactNode }) {
  return <CurrentUserContext.Provider value={user}>{children}</CurrentUserContext.Provider>;
}

export function useCurrentUser(): CurrentUser | null {
  return useContext(CurrentUserContext);
}

/** True when the signed-in user has at least this role. */
export function useCan(role: Role): boolean {
  const user = useContext(CurrentUserContext);
  return user !== null && hasRole(user.role, role);
}

/** Renders its children only for users with at least this role. */
export function RequireRole({ role, children }: { role: Role; children: ReactNode }) {
  return useCan(role) ? <>{children}</> : null;
}
