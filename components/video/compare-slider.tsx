"use client";
import { useId, useState } from "react";

/**
 * Before/after on one frame: the original is drawn over the enhanced image and
 * clipped at the slider, so dragging reveals one or the other. The slider is a
 * real range input, so arrow keys work too.
 */
export function CompareSlider({ originalUrl, enhancedUrl, alt }: { originalUrl: string; enhancedUrl: string; alt: string }) {
  const [position, setPosition] = useState(50);
  const id = useId();
  return (
    <div className="space-y-2" data-testid="compare-slider">
      <div className="relative overflow-hidden rounded-lg bg-zinc-900 select-none">
        {/* eslint-disable-next-line @next/next/no-img-element -- authenticated API image */}
        <img src={enhancedUrl} alt={`${alt}, enhanced`} className="block h-auto w-full" draggable={false} />
        {/* eslint-disable-next-line @next/next/no-img-element -- authenticated API image */}
        <img
          src={originalUrl}
          alt={`${alt}, original`}
          className="absolute inset-0 block h-full w-full object-cover"
          style={{ clipPath: `inset(0 ${100 - position}% 0 0)` }}
          draggable={false}
        />
        <div aria-hidden className="pointer-events-none absolute inset-y-0 w-0.5 bg-white shadow" style={{ left: `${position}%` }} />
        <span className="pointer-events-none absolute top-2 left-2 rounded bg-black/60 px-1.5 py-0.5 text-[11px] font-medium text-white">
          Original
        </span>
        <span className="pointer-events-none absolute top-2 right-2 rounded bg-black/60 px-1.5 py-0.5 text-[11px] font-medium text-white">
          Enhanced
        </span>
        <input
          id={id}
          type="range"
          min={0}
          max={100}
          value={position}
          onChange={(e) => setPosition(Number(e.target.value))}
          aria-label="Compare original and enhanced"
          aria-valuetext={`${position}% original`}
          className="absolute inset-0 h-full w-full cursor-ew-resize opacity-0"
        />
      </div>
    </div>
  );
}
