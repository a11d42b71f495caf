"use client";
import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { toast } from "sonner";
import { api, messageOf } from "@/lib/client/api";
import { cx } from "@/lib/client/class-names";
import { FilmIcon } from "@/components/ui/icons";
import { useCurrentUser } from "@/components/auth/current-user";
import { hasRole, type Role } from "@/lib/auth/roles";

const links: { href: string; label: string; active: (p: string) => boolean; role?: Role }[] = [
  { href: "/", label: "Videos", active: (p: string) => p === "/" || p.startsWith("/videos") },
  { href: "/ops", label: "Operations", active: (p: string) => p.startsWith("/ops") },
  { href: "/failures", label: "Failures", active: (p: string) => p.startsWith("/failures") },
  { href: "/search", label: "Search", active: (p: string) => p.startsWith("/search") },
  { href: "/tokens", label: "API tokens", active: (p: string) => p.startsWith("/tokens"), role: "operator" },
  { href: "/users", label: "Users", active: (p: string) => p.startsWith("/users"), role: "admin" },
  { href: "/webhooks", label: "Webhooks", active: (p: string) => p.startsWith("/webhooks"), role: "admin" },
  { href: "/audit", label: "Audit", active: (p: string) => p.startsWith("/audit"), role: "admin" },
];

export function AppNav() {
  const pathname = usePathname();
  const router = useRouter();
  const client = useQueryClient();
  const [signingOut, setSigningOut] = useState(false);
  const user = useCurrentUser();

  async function signOut() {
    setSigningOut(true);
    try {
      await api.logout();
      client.clear();
      router.replace("/login");
      router.refresh();
    } catch (error) {
      toast.error(messageOf(error));
      setSigningOut(false);
    }
  }

  return (
    <header className="sticky top-0 z-30 border-b border-zinc-200 bg-white/85 backdrop-blur dark:border-zinc-800 dark:bg-zinc-950/85">
      <div className="mx-auto flex h-14 max-w-7xl items-center gap-3 px-4 sm:gap-6 sm:px-6">
        <Link
          href="/"
          className="flex items-center gap-2 rounded-md text-sm font-semibold tracking-tight focus-visible:outline-2 focus-visible:outline-indigo-500"
        >
          <span className="grid size-7 place-items-center rounded-md bg-indigo-600 text-white">
            <FilmIcon className="size-4" />
          </span>
          Framewise
        </Link>
        <nav aria-label="Main" className="flex items-center gap-1 overflow-x-auto">
          {links.filter((link) => !link.role || (user && hasRole(user.role, link.role))).map((link) => {
            const active = link.active(pathname);
            return (
              <Link
                key={link.href}
                href={link.href}
                aria-current={active ? "page" : undefined}
                className={cx(
                  "rounded-md px-2.5 py-1.5 text-sm font-medium transition-colors sm:px-3 focus-visible:outline-2 focus-visible:outline-indigo-500",
                  active
                    ? "bg-zinc-100 text-zinc-900 dark:bg-zinc-800 dark:text-zinc-50"
                    : "text-zinc-600 hover:text-zinc-900 dark:text-zinc-400 dark:hover:text-zinc-100",
                )}
              >
                {link.label}
              </Link>
            );
          })}
        </nav>
        {user && (
          <span className="ml-auto hidden truncate text-xs text-zinc-500 md:inline dark:text-zinc-400" data-testid="current-user" data-role={user.role}>
            {user.email} · {user.role}
          </span>
        )}
        <button
          type="button"
          onClick={signOut}
          disabled={signingOut}
          className="max-md:ml-auto rounded-md px-3 py-1.5 text-sm font-medium whitespace-nowrap text-zinc-600 hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-indigo-500 disabled:opacity-60 dark:text-zinc-400 dark:hover:text-zinc-100"
        >
          {signingOut ? "Signing out…" : "Sign out"}
        </button>
      </div>
    </header>
  );
}
