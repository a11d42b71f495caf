import type { ReactNode } from "react";
import { requirePageUser } from "@/lib/auth/session";
import { AppNav } from "@/components/shell/app-nav";
import { CurrentUserProvider } from "@/components/auth/current-user";

// Every dashboard page is behind the session check; it redirects to /login
// when signed out. The API routes check again on their own.
export default async function DashboardLayout({ children }: { children: ReactNode }) {
  const user = await requirePageUser();
  return (
    <CurrentUserProvider user={user}>
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:fixed focus:top-2 focus:left-2 focus:z-50 focus:rounded-md focus:bg-white focus:px-3 focus:py-2 focus:text-sm focus:shadow dark:focus:bg-zinc-900"
      >
        Skip to content
      </a>
      <AppNav />
      <main id="main" className="mx-auto max-w-7xl px-4 py-6 sm:px-6">
        {children}
      </main>
    </CurrentUserProvider>
  );
}
