"use client";
// Error bodies can be megabytes; a page must never render them whole by
// default. Long text is cut, and "show more" reveals the rest on request.
import { useState } from "react";
import { cx } from "@/lib/client/class-names";

export function TruncatedText({
  text,
  limit = 160,
  mono = false,
  className,
}: {
  text: string;
  limit?: number;
  mono?: boolean;
  className?: string;
}) {
  const [expanded, setExpanded] = useState(false);
  const long = text.length > limit;
  const shown = expanded || !long ? text : `${text.slice(0, limit).trimEnd()}…`;
  const Tag = mono ? "pre" : "span";
  return (
    <span className={cx("block", className)}>
      <Tag className={cx("break-words whitespace-pre-wrap", mono && "font-mono text-xs", expanded && mono && "max-h-96 overflow-auto")}>
        {shown}
      </Tag>
      {long && (
        <button
          type="button"
          onClick={() => setExpanded((v) => !v)}
          aria-expanded={expanded}
          className="mt-0.5 text-xs font-medium text-indigo-600 hover:underline focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-indigo-400"
        >
          {expanded ? "show less" : `show more (${text.length.toLocaleString("en-US")} characters)`}
        </button>
      )}
    </span>
  );
}
