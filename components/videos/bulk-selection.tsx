"use client";
import { createContext, useContext, useMemo, useState, type ReactNode } from "react";
import { useCan } from "@/components/auth/current-user";

// Which videos of the list are selected for a bulk action. Rows render a
// checkbox only inside this provider and only for operators and admins.
interface Selection {
  selected: ReadonlySet<string>;
  toggle: (id: string) => void;
  clear: () => void;
}

const SelectionContext = createContext<Selection | null>(null);

export function BulkSelectionProvider({ children }: { children: ReactNode }) {
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const value = useMemo<Selection>(
    () => ({
      selected,
      toggle: (id) =>
        setSelected((s) => {
          const next = new Set(s);
          if (next.has(id)) next.delete(id);
          else next.add(id);
          return next;
        }),
      clear: () => setSelected(new Set()),
    }),
    [selected],
  );
  return <SelectionContext.Provider value={value}>{children}</SelectionContext.Provider>;
}

export function useBulkSelection(): Selection | null {
  return useContext(SelectionContext);
}

export function SelectVideo({ id, title }: { id: string; title: string }) {
  const selection = useBulkSelection();
  const canAct = useCan("operator");
  if (!selection || !canAct) return null;
  return (
    <input
      type="checkbox"
      aria-label={`Select ${title}`}
      className="size-4 shrink-0 rounded border-zinc-300 accent-indigo-600"
      checked={selection.selected.has(id)}
      onChange={() => selection.toggle(id)}
    />
  );
}
