import type { Metadata } from "next";
import { Suspense } from "react";
import { LoginForm } from "@/components/auth/login-form";
import { FilmIcon } from "@/components/ui/icons";

export const metadata: Metadata = { title: "Sign in" };

export default function LoginPage() {
  return (
    <main className="flex min-h-dvh items-center justify-center px-4">
      <div className="w-full max-w-sm">
        <div className="mb-6 flex flex-col items-center gap-3 text-center">
          <span className="grid size-10 place-items-center rounded-lg bg-indigo-600 text-white">
            <FilmIcon className="size-5" />
          </span>
          <div>
            <h1 className="text-xl font-semibold tracking-tight">Sign in to Framewise</h1>
            <p className="mt-1 text-sm text-zinc-500 dark:text-zinc-400">Operators only. Use the admin account printed at first start.</p>
          </div>
        </div>
        <div className="rounded-xl border border-zinc-200 bg-white p-6 shadow-sm dark:border-zinc-800 dark:bg-zinc-900">
          <Suspense>
            <LoginForm />
          </Suspense>
        </div>
      </div>
    </main>
  );
}
