"use client";
// Built on the native <dialog>: showModal() gives focus trapping, Escape and
// an inert background for free, with nothing to install.
import { useEffect, useId, useRef, type ReactNode } from "react";
import { cx } from "@/lib/client/class-names";
import { Button } from "./button";

export function Dialog({
  open,
  onClose,
  labelledBy,
  className,
  children,
  testId,
  variant = "center",
}: {
  variant?: "center" | "sheet";
  open: boolean;
  onClose: () => void;
  labelledBy: string;
  className?: string;
  children: ReactNode;
  testId?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      dialog.showModal();
      // React's autoFocus would run while the dialog is still closed (display: none) and do
      // nothing; showModal() then focuses the first focusable child. Focus the marked one instead.
      dialog.querySelector<HTMLElement>('[data-autofocus="true"]')?.focus();
    }
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      aria-labelledby={labelledBy}
      data-testid={testId}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      onClick={(e) => {
        // A click on the backdrop lands on the <dialog> itself.
        if (e.target === e.currentTarget) onClose();
      }}
      className={cx(
        "border-zinc-200 bg-white p-0 text-zinc-900 shadow-xl backdrop:bg-zinc-950/50 backdrop:backdrop-blur-[1px] dark:border-zinc-800 dark:bg-zinc-900 dark:text-zinc-100",
        variant === "center"
          ? "m-auto rounded-xl border"
          : "my-0 mr-0 ml-auto h-dvh max-h-dvh w-[min(44rem,100vw)] max-w-none border-l",
        className,
      )}
    >
      {open && children}
    </dialog>
  );
}

/** A confirmation that says exactly what will happen, with the consequence spelled out. */
export function ConfirmDialog({
  open,
  title,
  description,
  confirmLabel,
  tone = "primary",
  pending = false,
  onConfirm,
  onClose,
}: {
  open: boolean;
  title: string;
  description?: ReactNode;
  confirmLabel: string;
  tone?: "primary" | "danger";
  pending?: boolean;
  onConfirm: () => void;
  onClose: () => void;
}) {
  const titleId = useId();
  return (
    <Dialog open={open} onClose={onClose} labelledBy={titleId} className="w-[min(28rem,calc(100vw-2rem))]" testId="confirm-dialog">
      <div className="p-5">
        <h2 id={titleId} className="text-base font-semibold">
          {title}
        </h2>
        {description && <div className="mt-2 text-sm text-zinc-600 dark:text-zinc-400">{description}</div>}
      </div>
      <div className="flex justify-end gap-2 border-t border-zinc-200 bg-zinc-50 px-5 py-3 dark:border-zinc-800 dark:bg-zinc-900/60">
        <Button onClick={onClose} data-autofocus={tone === "danger"}>
          Keep as is
        </Button>
        <Button variant={tone} onClick={onConfirm} disabled={pending} data-autofocus={tone !== "danger"}>
          {pending ? "Working…" : confirmLabel}
        </Button>
      </div>
    </Dialog>
  );
}
