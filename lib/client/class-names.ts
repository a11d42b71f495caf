/** Joins the truthy class names; the few lines clsx would give us, without the dependency. */
export function cx(...names: Array<string | false | null | undefined>): string {
  return names.filter(Boolean).join(" ");
}
