"use client";
// One cell per frame, coloured by status, on a canvas. 108,000 DOM nodes would
// make the page crawl; here the whole map is one ImageData write (one pixel per
// frame, scaled up with image-rendering: pixelated) or, when cells are big
// enough to show gaps, one fillRect per cell. Either way it is O(frames) with
// no allocation per frame, so a 2 s poll costs a few milliseconds.
import { useEffect, useMemo, useRef, useState, useSyncExternalStore, type MouseEvent } from "react";
import { formatClock, formatCount } from "@/lib/client/format";

const MAX_HEIGHT = 400;
const MAX_CELL = 14;
const GAP_FROM = 5;

type Palette = Record<string, [number, number, number]>;
const light: Palette = { p: [212, 212, 216], r: [99, 102, 241], s: [16, 185, 129], f: [239, 68, 68] };
const dark: Palette = { p: [63, 63, 70], r: [129, 140, 248], s: [16, 185, 129], f: [248, 113, 113] };
const names: Record<string, string> = { p: "pending", r: "running", s: "succeeded", f: "failed" };

const DARK_QUERY = "(prefers-color-scheme: dark)";
function subscribeToScheme(onChange: () => void) {
  const media = window.matchMedia(DARK_QUERY);
  media.addEventListener("change", onChange);
  return () => media.removeEventListener("change", onChange);
}

/** Canvas pixels do not follow CSS `dark:` variants, so the palette follows the media query itself. */
function usePrefersDark() {
  return useSyncExternalStore(subscribeToScheme, () => window.matchMedia(DARK_QUERY).matches, () => false);
}

export function layoutFor(frameCount: number, width: number) {
  const cell = Math.max(1, Math.min(MAX_CELL, Math.floor(Math.sqrt((width * MAX_HEIGHT) / Math.max(1, frameCount)))));
  const cols = Math.max(1, Math.floor(width / cell));
  return { cell, cols, rows: Math.ceil(frameCount / cols) };
}

export function FrameMap({
  statuses,
  frameCount,
  fps,
  onSelect,
}: {
  statuses: string;
  frameCount: number;
  fps: number | null;
  onSelect: (index: number) => void;
}) {
  const wrapper = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [width, setWidth] = useState(0);
  const [hover, setHover] = useState<number | null>(null);
  const isDark = usePrefersDark();
  const n = Math.min(frameCount, statuses.length);
  const { cell, cols, rows } = layoutFor(n, width || 800);

  useEffect(() => {
    const el = wrapper.current;
    if (!el) return;
    const observer = new ResizeObserver(([entry]) => setWidth(Math.floor(entry?.contentRect.width ?? 0)));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  const { counts, firstFailed } = useMemo(() => {
    const c: Record<string, number> = { p: 0, r: 0, s: 0, f: 0 };
    let firstFailed = -1;
    for (let i = 0; i < n; i++) {
      const ch = statuses[i]!;
      c[ch] = (c[ch] ?? 0) + 1;
      if (ch === "f" && firstFailed < 0) firstFailed = i;
    }
    return { counts: c, firstFailed };
  }, [statuses, n]);

  useEffect(() => {
    const el = canvas.current;
    const ctx = el?.getContext("2d");
    if (!el || !ctx || width === 0) return;
    const palette = isDark ? dark : light;
    if (cell < GAP_FROM) {
      el.width = cols;
      el.height = rows;
      const image = ctx.createImageData(cols, rows);
      const px = image.data;
      for (let i = 0; i < n; i++) {
        const [r, g, b] = palette[statuses[i]!] ?? palette.p!;
        const o = i * 4;
        px[o] = r;
        px[o + 1] = g;
        px[o + 2] = b;
        px[o + 3] = 255;
      }
      ctx.putImageData(image, 0, 0);
    } else {
      const dpr = window.devicePixelRatio || 1;
      el.width = Math.round(cols * cell * dpr);
      el.height = Math.round(rows * cell * dpr);
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.clearRect(0, 0, cols * cell, rows * cell);
      for (const key of Object.keys(palette)) {
        const [r, g, b] = palette[key]!;
        ctx.fillStyle = `rgb(${r} ${g} ${b})`;
        for (let i = 0; i < n; i++) {
          if (statuses[i] === key) ctx.fillRect((i % cols) * cell, Math.floor(i / cols) * cell, cell - 1, cell - 1);
        }
      }
    }
  }, [statuses, n, cell, cols, rows, width, isDark]);

  function indexAt(e: MouseEvent<HTMLCanvasElement>): number | null {
    const rect = e.currentTarget.getBoundingClientRect();
    const col = Math.floor((e.clientX - rect.left) / cell);
    const row = Math.floor((e.clientY - rect.top) / cell);
    if (col < 0 || col >= cols || row < 0) return null;
    const index = row * cols + col;
    return index < n ? index : null;
  }

  const hovered = hover !== null ? statuses[hover] : undefined;
  return (
    <div className="space-y-2">
      <div ref={wrapper} className="w-full">
        <canvas
          ref={canvas}
          data-testid="frame-map"
          data-frame-count={n}
          data-cols={cols}
          data-cell-size={cell}
          data-first-failed={firstFailed}
          role="img"
          aria-label={`Frame map: ${formatCount(n)} frames, ${formatCount(counts.s ?? 0)} succeeded, ${formatCount(counts.f ?? 0)} failed, ${formatCount(counts.r ?? 0)} running, ${formatCount(counts.p ?? 0)} pending. Click a cell to open that frame.`}
          className="frame-map-canvas block cursor-crosshair"
          style={{ width: cols * cell, height: rows * cell }}
          onMouseMove={(e) => setHover(indexAt(e))}
          onMouseLeave={() => setHover(null)}
          onClick={(e) => {
            const index = indexAt(e);
            if (index !== null) onSelect(index);
          }}
        />
      </div>
      <div className="flex flex-wrap items-center gap-x-4 gap-y-1 text-xs text-zinc-600 dark:text-zinc-400">
        {(["s", "f", "r", "p"] as const).map((key) => {
          const [r, g, b] = (isDark ? dark : light)[key]!;
          return (
            <span key={key} className="inline-flex items-center gap-1.5">
              <span aria-hidden className="size-2.5 rounded-sm" style={{ background: `rgb(${r} ${g} ${b})` }} />
              {names[key]} <span className="tabular-nums">{formatCount(counts[key] ?? 0)}</span>
            </span>
          );
        })}
        <span className="ml-auto tabular-nums" aria-live="off">
          {hover !== null && hovered
            ? `Frame ${formatCount(hover)}${fps ? ` · ${formatClock(hover / fps, 2)}` : ""} · ${names[hovered]}`
            : cell === 1
              ? "1 pixel per frame"
              : `${cell}px per frame`}
        </span>
      </div>
    </div>
  );
}
