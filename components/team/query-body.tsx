"use client";
import type { UseQueryResult } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { messageOf } from "@/lib/client/api";
import { EmptyState, ErrorState } from "@/components/ui/empty-state";
import { SkeletonRows } from "@/components/ui/skeleton";

/** A card's body for one query: skeleton while loading, the error with a retry, an empty state, else the content. */
export function QueryBody<T>({
  query,
  label,
  empty,
  children,
}: {
  query: UseQueryResult<T>;
  label: string;
  empty?: { when: (data: T) => boolean; title: string; description?: string };
  children: (data: T) => ReactNode;
}) {
  if (query.isPending) return <SkeletonRows rows={3} label={label} className="p-4" />;
  if (query.isError) return <ErrorState className="m-4" message={messageOf(query.error)} onRetry={() => void query.refetch()} />;
  if (empty?.when(query.data)) return <EmptyState className="m-4" title={empty.title} description={empty.description} />;
  return <>{children(query.data)}</>;
}
