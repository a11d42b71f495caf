"use client";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useState, type FormEvent } from "react";
import { formatRelative } from "@/lib/client/format";
import { useSearch } from "@/lib/client/team";
import { StatusBadge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { QueryBody } from "./query-body";
import { inputClass } from "./secret-once";

export function SearchView() {
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const q = params.get("q") ?? "";
  const [text, setText] = useState(q);
  const results = useSearch(q);

  function submit(e: FormEvent) {
    e.preventDefault();
    router.replace(`${pathname}?q=${encodeURIComponent(text.trim())}`);
  }

  return (
    <div className="space-y-4">
      <form className="flex gap-2" onSubmit={submit} role="search">
        <input className={`${inputClass} flex-1`} aria-label="Search" placeholder="title, file name, id prefix, “<id> #<frame>”, or error text" value={text} onChange={(e) => setText(e.target.value)} />
        <Button type="submit" variant="primary">
          Search
        </Button>
      </form>
      {q && (
        <QueryBody query={results} label="Searching">
          {(data) =>
            data.videos.length === 0 && !data.frame && data.errors.length === 0 ? (
              <EmptyState title={`Nothing matches “${q}”`} description="Try part of a title or file name, the first characters of an id, “<id> #<frame>”, or words of an error message." />
            ) : (
              <div className="space-y-4">
                {data.frame && (
                  <Card aria-label="Frame">
                    <CardHeader title="Frame" />
                    <p className="px-4 py-3 text-sm" data-testid="search-frame">
                      <Link className="text-indigo-600 hover:underline dark:text-indigo-400" href={`/videos/${data.frame.videoId}/frames?frame=${data.frame.index}`}>
                        Frame {data.frame.index} of {data.frame.title}
                      </Link>{" "}
                      <StatusBadge status={data.frame.status} />
                    </p>
                  </Card>
                )}
                {data.videos.length > 0 && (
                  <Card aria-label="Videos found">
                    <CardHeader title="Videos" />
                    <ul className="divide-y divide-zinc-100 dark:divide-zinc-800">
                      {data.videos.map((v) => (
                        <li key={v.id} className="flex flex-wrap items-center gap-2 px-4 py-2 text-sm" data-testid="search-video">
                          <Link className="font-medium hover:underline" href={`/videos/${v.id}`}>
                            {v.title}
                          </Link>
                          <span className="text-xs text-zinc-500">{v.originalName}</span>
                          <StatusBadge status={v.status} />
                          <span className="ml-auto font-mono text-xs text-zinc-500">{v.id.slice(0, 8)} · {formatRelative(v.createdAt)}</span>
                        </li>
                      ))}
                    </ul>
                  </Card>
                )}
                {data.errors.length > 0 && (
                  <Card aria-label="Errors found">
                    <CardHeader title="Errors" description="Failed frames whose last error mentions it (at most 20)." />
                    <ul className="divide-y divide-zinc-100 dark:divide-zinc-800">
                      {data.errors.map((e) => (
                        <li key={`${e.videoId}:${e.frameIndex}`} className="px-4 py-2 text-sm" data-testid="search-error">
                          <Link className="hover:underline" href={`/videos/${e.videoId}/frames?frame=${e.frameIndex}`}>
                            {e.title} · frame {e.frameIndex}
                          </Link>
                          <p className="text-xs break-words text-zinc-500">{e.message}</p>
                        </li>
                      ))}
                    </ul>
                  </Card>
                )}
              </div>
            )
          }
        </QueryBody>
      )}
    </div>
  );
}
