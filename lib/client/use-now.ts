"use client";
import { useSyncExternalStore } from "react";

// A clock that ticks once a second, shared by every subscriber, so elapsed
// times keep moving between polls without calling Date.now() during render.
const subscribe = (onTick: () => void) => {
  const id = setInterval(onTick, 1000);
  return () => clearInterval(id);
};
const snapshot = () => Math.floor(Date.now() / 1000) * 1000;

/** The current time, rounded down to the second; 0 during the server render. */
export function useNow(): number {
  return useSyncExternalStore(subscribe, snapshot, () => 0);
}
