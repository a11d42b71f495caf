"use client";
// Browser side of users, tokens and the audit trail: fetchers and TanStack
// Query hooks, kept apart from the video ones (lib/client/api.ts, queries.ts).
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { ApiTokenView } from "@/lib/auth/api-tokens";
import type { Role } from "@/lib/auth/roles";
import type { UserView } from "@/lib/auth/users";
import type { AuditItem } from "@/lib/audit/describe";
import type { BulkView } from "@/lib/bulk/operations";
import type { FailureGroup } from "@/lib/search/failure-groups";
import type { WebhookEventType } from "@/lib/webhooks/event-types";
import type { WebhookDeliveryView, WebhookEndpointView } from "@/lib/webhooks/endpoints";
import { request } from "./api";

export type { ApiTokenView, AuditItem, UserView, WebhookDeliveryView, WebhookEndpointView };

export interface AuditFilters {
  videoId?: string;
  actor?: string;
  action?: string;
  result?: "ok" | "refused";
}

function search(params: Record<string, string | undefined | null>): string {
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) s.set(k, v);
  const text = s.toString();
  return text ? `?${text}` : "";
}

export const teamApi = {
  listUsers: () => request<{ users: UserView[] }>("/api/users"),
  createUser: (body: { email: string; role: Role; password: string }) => request<{ id: string }>("/api/users", { method: "POST", json: body }),
  updateUser: (id: string, body: { role?: Role; disabled?: boolean; password?: string }) =>
    request<{ id: string; sessionsEnded: number }>(`/api/users/${encodeURIComponent(id)}`, { method: "PATCH", json: body }),
  listTokens: () => request<{ tokens: ApiTokenView[] }>("/api/tokens"),
  createToken: (body: { name: string; role: Role; expiresAt?: string | null }) => request<{ id: string; token: string }>("/api/tokens", { method: "POST", json: body }),
  revokeToken: (id: string) => request<void>(`/api/tokens/${encodeURIComponent(id)}`, { method: "DELETE" }),
  listAudit: (filters: AuditFilters, cursor: string | null, limit = 50) =>
    request<{ items: AuditItem[]; nextCursor: string | null }>(`/api/audit${search({ ...filters, cursor, limit: String(limit) })}`),
  listWebhooks: () => request<{ webhooks: WebhookEndpointView[] }>("/api/webhooks"),
  createWebhook: (body: { url: string; events: WebhookEventType[]; description?: string | null }) =>
    request<{ id: string; secret: string }>("/api/webhooks", { method: "POST", json: body }),
  deleteWebhook: (id: string) => request<void>(`/api/webhooks/${encodeURIComponent(id)}`, { method: "DELETE" }),
  listDeliveries: (id: string, cursor: string | null) =>
    request<{ endpoint: WebhookEndpointView; deliveries: WebhookDeliveryView[]; nextCursor: string | null }>(
      `/api/webhooks/${encodeURIComponent(id)}/deliveries${search({ cursor })}`,
    ),
  redeliver: (id: string, deliveryId: string) =>
    request<{ queued: true; eventId: string }>(`/api/webhooks/${encodeURIComponent(id)}/deliveries/${encodeURIComponent(deliveryId)}/redeliver`, { method: "POST" }),
};

const teamKeys = {
  users: ["users"] as const,
  tokens: ["tokens"] as const,
  audit: (filters: AuditFilters) => ["audit", filters] as const,
  webhooks: ["webhooks"] as const,
};

export const useUsers = () => useQuery({ queryKey: teamKeys.users, queryFn: teamApi.listUsers });
export const useTokens = () => useQuery({ queryKey: teamKeys.tokens, queryFn: teamApi.listTokens });

/** The audit trail, newest first, a page at a time; `live` polls the first page (a video's history while it runs). */
export function useAudit(filters: AuditFilters, options: { live?: boolean; limit?: number } = {}) {
  return useInfiniteQuery({
    queryKey: teamKeys.audit(filters),
    queryFn: ({ pageParam }) => teamApi.listAudit(filters, pageParam, options.limit),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    refetchInterval: options.live ? 5000 : false,
    refetchIntervalInBackground: false,
  });
}

function useTeamMutation<A, R>(key: readonly unknown[], fn: (args: A) => Promise<R>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSettled: () => Promise.all([client.invalidateQueries({ queryKey: key }), client.invalidateQueries({ queryKey: ["audit"] })]),
  });
}

export const useCreateUser = () => useTeamMutation(teamKeys.users, teamApi.createUser);
export const useUpdateUser = () =>
  useTeamMutation(teamKeys.users, ({ id, ...body }: { id: string; role?: Role; disabled?: boolean; password?: string }) => teamApi.updateUser(id, body));
export const useCreateToken = () => useTeamMutation(teamKeys.tokens, teamApi.createToken);
export const useRevokeToken = () => useTeamMutation(teamKeys.tokens, teamApi.revokeToken);

export const useWebhooks = () => useQuery({ queryKey: teamKeys.webhooks, queryFn: teamApi.listWebhooks });
export const useCreateWebhook = () => useTeamMutation(teamKeys.webhooks, teamApi.createWebhook);
export const useDeleteWebhook = () => useTeamMutation(teamKeys.webhooks, teamApi.deleteWebhook);
export const useRedeliver = (id: string) => useTeamMutation(teamKeys.webhooks, (deliveryId: string) => teamApi.redeliver(id, deliveryId));

/** An endpoint's deliveries; polls while any is still being attempted. */
export function useDeliveries(id: string) {
  return useInfiniteQuery({
    queryKey: [...teamKeys.webhooks, id, "deliveries"],
    queryFn: ({ pageParam }) => teamApi.listDeliveries(id, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    refetchInterval: (query) => (query.state.data?.pages.some((p) => p.deliveries.some((d) => d.status === "pending" || d.status === "sending")) ? 2000 : 10_000),
    refetchIntervalInBackground: false,
  });
}

export type BulkAction = "cancel" | "delete" | "retry_failed";
export interface BulkFilter {
  status?: string;
  q?: string;
  from?: string;
  to?: string;
}
/** GET /api/bulk/{id}: the read model's shape (type-only import, erased from the bundle). */
export type BulkStatus = BulkView;

export const bulkApi = {
  count: (filter: BulkFilter) => request<{ count: number }>(`/api/videos/bulk${search({ ...filter })}`),
  start: (body: { action: BulkAction; ids?: string[]; filter?: BulkFilter; fingerprint?: string }) =>
    request<{ id: string; total: number }>("/api/videos/bulk", { method: "POST", json: body }),
  get: (id: string) => request<BulkStatus>(`/api/bulk/${encodeURIComponent(id)}`),
};

/** A bulk action's progress, polled until it is finished. */
export function useBulkStatus(id: string | null) {
  return useQuery({
    queryKey: ["bulk", id],
    queryFn: () => bulkApi.get(id!),
    enabled: id !== null,
    refetchInterval: (query) => (query.state.data && (query.state.data.status === "completed" || query.state.data.status === "failed") ? false : 1000),
  });
}

export type FailureGroupView = FailureGroup;
export interface SearchView {
  videos: { id: string; title: string; originalName: string; status: string; createdAt: string }[];
  frame: { videoId: string; title: string; index: number; status: string } | null;
  errors: { videoId: string; title: string; frameIndex: number; message: string }[];
}

export const useFailureGroups = () => useQuery({ queryKey: ["failures"], queryFn: () => request<{ groups: FailureGroupView[] }>("/api/failures"), refetchInterval: 5000, refetchIntervalInBackground: false });
export const useSearch = (q: string) =>
  useQuery({ queryKey: ["search", q], queryFn: () => request<SearchView>(`/api/search${search({ q })}`), enabled: q.trim().length > 0 });
