import Link from "next/link";
import { buttonClass } from "@/components/ui/button";

export default function DashboardNotFound() {
  return (
    <div className="mx-auto flex max-w-lg flex-col items-center gap-3 py-16 text-center">
      <h1 className="text-lg font-semibold">Not found</h1>
      <p className="text-sm text-zinc-600 dark:text-zinc-400">There is nothing at this address. It may have been deleted.</p>
      <Link href="/" className={buttonClass("primary")}>
        Back to videos
      </Link>
    </div>
  );
}
