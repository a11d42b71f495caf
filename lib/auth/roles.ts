// Roles and what each may do. Pure: imported by the server and the browser.

export const ROLES = ["admin", "operator", "viewer"] as const;
export type Role = (typeof ROLES)[number];

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/** True when `actual` is at least `needed` (admin > operator > viewer). */
export function hasRole(actual: Role, needed: Role): boolean {
  return RANK[actual] >= RANK[needed];
}

/** The lower of two roles: a token never acts above the person who holds it. */
export function lowerRole(a: Role, b: Role): Role {
  return RANK[a] <= RANK[b] ? a : b;
}

const READS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * The default rule of every API route: reads need a viewer, writes an
 * operator. Routes that need more (users, webhooks: admin) say so; a route
 * that says nothing is still closed to a viewer's writes.
 */
export function roleForMethod(method: string): Role {
  return READS.has(method.toUpperCase()) ? "viewer" : "operator";
}

export const ROLE_LABEL: Record<Role, string> = { admin: "Admin", operator: "Operator", viewer: "Viewer" };

export const ROLE_DESCRIPTION: Record<Role, string> = {
  admin: "everything, including users, tokens of others and webhooks",
  operator: "upload, retry, cancel, delete, encode anyway; own API tokens",
  viewer: "read only: every page, no actions",
};
