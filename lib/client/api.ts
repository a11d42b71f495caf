// Browser-side fetch wrapper: same-origin, session cookie, JSON in and out.
// Every non-2xx answer becomes an ApiError whose message is the server's
// sentence, so components can show `error.message` as-is.
import type {
  ErrorGroup,
  FrameDetail,
  FrameFilters,
  FrameMap,
  FramePage,
  OpsSnapshot,
  RetryTarget,
  TimelinePoint,
  VideoDetail,
  VideoPage,
  VideoStatus,
} from "./types";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

function redirectToLogin() {
  if (typeof window === "undefined" || window.location.pathname.startsWith("/login")) return;
  const next = window.location.pathname + window.location.search;
  // A full navigation on purpose: it drops every cached query of the old session.
  // eslint-disable-next-line @next/next/no-location-assign-relative-destination
  window.location.assign(`/login?next=${encodeURIComponent(next)}`);
}

async function errorFrom(response: Response): Promise<ApiError> {
  let code = `http_${response.status}`;
  let message = `The server answered ${response.status} ${response.statusText}.`.replace(" .", ".");
  try {
    const body = (await response.json()) as { error?: { code?: string; message?: string } };
    if (body.error?.message) message = body.error.message;
    if (body.error?.code) code = body.error.code;
  } catch {
    // Not JSON (a proxy page, an empty body): keep the generic sentence.
  }
  return new ApiError(response.status, code, message);
}

export async function request<T>(path: string, init: RequestInit & { json?: unknown } = {}): Promise<T> {
  const { json, headers, ...rest } = init;
  let response: Response;
  try {
    response = await fetch(path, {
      ...rest,
      headers: { Accept: "application/json", ...(json !== undefined ? { "Content-Type": "application/json" } : {}), ...headers },
      body: json !== undefined ? JSON.stringify(json) : rest.body,
    });
  } catch {
    throw new ApiError(0, "network", "The server could not be reached. Check your connection and try again.");
  }
  if (response.status === 401 && !path.startsWith("/api/auth/")) redirectToLogin();
  if (!response.ok) throw await errorFrom(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

function query(params: Record<string, string | number | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

const video = (id: string) => `/api/videos/${encodeURIComponent(id)}`;

export const api = {
  login: (email: string, password: string) =>
    request<void>("/api/auth/login", { method: "POST", json: { email, password } }),
  logout: () => request<void>("/api/auth/logout", { method: "POST" }),

  listVideos: (p: { status?: VideoStatus | null; q?: string | null; from?: string | null; to?: string | null; cursor?: string | null; limit?: number }) =>
    request<VideoPage>(`/api/videos${query({ status: p.status, q: p.q, from: p.from, to: p.to, cursor: p.cursor, limit: p.limit ?? 20 })}`),
  getVideo: (id: string) => request<VideoDetail>(video(id)),
  getTimeline: (id: string, minutes = 60) =>
    request<{ points: TimelinePoint[] }>(`${video(id)}/timeline${query({ minutes })}`),
  getFrameMap: (id: string) => request<FrameMap>(`${video(id)}/frame-map`),
  listFrames: (id: string, f: FrameFilters, limit = 50) =>
    request<FramePage>(
      `${video(id)}/frames${query({
        status: f.status === "all" ? null : f.status,
        group: f.group,
        sort: f.sort,
        cursor: f.cursor,
        limit,
      })}`,
    ),
  getErrorGroups: (id: string) => request<{ groups: ErrorGroup[] }>(`${video(id)}/error-groups`),
  getFrame: (id: string, index: number) => request<FrameDetail>(`${video(id)}/frames/${index}`),
  frameImageUrl: (id: string, index: number, kind: "original" | "enhanced") =>
    `${video(id)}/frames/${index}/image?kind=${kind}`,

  retry: (id: string, target: RetryTarget) =>
    request<{ requeued: number }>(`${video(id)}/retry`, { method: "POST", json: target }),
  cancel: (id: string) => request<{ canceled: boolean }>(`${video(id)}/cancel`, { method: "POST" }),
  encodeAnyway: (id: string) => request<{ substituted: number }>(`${video(id)}/encode-anyway`, { method: "POST" }),
  deleteVideo: (id: string) => request<void>(video(id), { method: "DELETE" }),

  /** 404 while the finished upload is still becoming a video. */
  findUploadedVideo: (uploadId: string) =>
    request<{ videoId: string }>(`/api/uploads/${encodeURIComponent(uploadId)}/video`),

  getOps: () => request<OpsSnapshot>("/api/ops"),
};

export function messageOf(error: unknown): string {
  if (error instanceof Error && error.message) return error.message;
  return "Something went wrong. Try again.";
}
