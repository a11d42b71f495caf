"use client";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useCallback } from "react";

/**
 * Reads and writes URL search params without scrolling, so filters, sort,
 * page cursor and the open frame are all part of a shareable link.
 */
export function useSearchParamState() {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();

  const update = useCallback(
    (changes: Record<string, string | number | null | undefined>, mode: "push" | "replace" = "replace") => {
      const next = new URLSearchParams(params);
      for (const [key, value] of Object.entries(changes)) {
        if (value === null || value === undefined || value === "") next.delete(key);
        else next.set(key, String(value));
      }
      const url = `${pathname}${next.size ? `?${next}` : ""}`;
      if (mode === "push") router.push(url, { scroll: false });
      else router.replace(url, { scroll: false });
    },
    [params, pathname, router],
  );

  return { params, update };
}

/** The frame drawer is open when ?frame=<index> is in the URL. */
export function useFrameParam() {
  const { params, update } = useSearchParamState();
  const raw = params.get("frame");
  const index = raw !== null && /^\d+$/.test(raw) ? Number(raw) : null;
  const open = useCallback((n: number) => update({ frame: n }, "push"), [update]);
  const close = useCallback(() => update({ frame: null }), [update]);
  return { index, open, close };
}
