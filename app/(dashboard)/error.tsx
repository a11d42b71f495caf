"use client";
import { useEffect } from "react";
import { Button } from "@/components/ui/button";
import { AlertIcon } from "@/components/ui/icons";

export default function DashboardError({ error, retry }: { error: unknown; retry: () => void }) {
  useEffect(() => {
    console.error(error);
  }, [error]);
  const digest = error instanceof Error && "digest" in error ? String(error.digest) : null;
  return (
    <div role="alert" className="mx-auto flex max-w-lg flex-col items-center gap-3 py-16 text-center">
      <AlertIcon className="size-8 text-red-500" />
      <h1 className="text-lg font-semibold">This page could not be shown</h1>
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        Something went wrong while loading it. Your videos and their progress are not affected.
        {digest && <span className="mt-1 block font-mono text-xs">Reference: {digest}</span>}
      </p>
      <Button variant="primary" onClick={() => retry()}>
        Try again
      </Button>
    </div>
  );
}
