"use client";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useEffect, useState } from "react";
import { cx } from "@/lib/client/class-names";
import { VIDEO_STATUSES } from "@/lib/client/types";
import { SearchIcon } from "@/components/ui/icons";

/** Filters live in the URL (?status=&q=) so a filtered list is a shareable link. */
export function VideoFilters() {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const status = params.get("status");
  const urlQuery = params.get("q") ?? "";
  const [text, setText] = useState(urlQuery);
  const [syncedQuery, setSyncedQuery] = useState(urlQuery);

  // Follow the URL when it changes under us (back/forward, "clear filters"),
  // without clobbering what is being typed.
  if (syncedQuery !== urlQuery) {
    setSyncedQuery(urlQuery);
    if (text.trim() !== urlQuery) setText(urlQuery);
  }

  useEffect(() => {
    if (text.trim() === urlQuery) return;
    const timer = setTimeout(() => {
      const next = new URLSearchParams(params);
      if (text.trim()) next.set("q", text.trim());
      else next.delete("q");
      router.replace(`${pathname}${next.size ? `?${next}` : ""}`, { scroll: false });
    }, 300);
    return () => clearTimeout(timer);
  }, [text, urlQuery, params, pathname, router]);

  const hrefFor = (value: string | null) => {
    const next = new URLSearchParams(params);
    if (value) next.set("status", value);
    else next.delete("status");
    return `${pathname}${next.size ? `?${next}` : ""}`;
  };

  return (
    <div className="flex flex-wrap items-center gap-3">
      <nav aria-label="Filter by status" className="flex flex-wrap gap-1 rounded-lg bg-zinc-100 p-1 dark:bg-zinc-900">
        {[null, ...VIDEO_STATUSES].map((value) => {
          const active = (status ?? null) === value;
          return (
            <Link
              key={value ?? "all"}
              href={hrefFor(value)}
              scroll={false}
              replace
              aria-current={active ? "page" : undefined}
              className={cx(
                "rounded-md px-2.5 py-1 text-xs font-medium focus-visible:outline-2 focus-visible:outline-indigo-500",
                active
                  ? "bg-white text-zinc-900 shadow-sm dark:bg-zinc-700 dark:text-zinc-50"
                  : "text-zinc-600 hover:text-zinc-900 dark:text-zinc-400 dark:hover:text-zinc-100",
              )}
            >
              {value ? value.charAt(0).toUpperCase() + value.slice(1) : "All"}
            </Link>
          );
        })}
      </nav>
      <div className="relative ml-auto w-full sm:w-64">
        <SearchIcon className="pointer-events-none absolute top-1/2 left-2.5 size-4 -translate-y-1/2 text-zinc-400" />
        <input
          type="search"
          aria-label="Search videos"
          placeholder="Title, file name or id"
          value={text}
          onChange={(e) => setText(e.target.value)}
          className="h-9 w-full rounded-md border border-zinc-300 bg-white pr-3 pl-8 text-sm shadow-sm placeholder:text-zinc-400 focus:border-indigo-500 focus:outline-2 focus:outline-indigo-500/40 dark:border-zinc-700 dark:bg-zinc-900"
        />
      </div>
    </div>
  );
}
