import type { Metadata } from "next";
import { OpsView } from "@/components/ops/ops-view";

export const metadata: Metadata = { title: "Operations" };

export default function OpsPage() {
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-xl font-semibold tracking-tight">Operations</h1>
        <p className="mt-1 text-sm text-zinc-500 dark:text-zinc-400">Workers, queues and the enhancement service, refreshed every 2 seconds.</p>
      </div>
      <OpsView />
    </div>
  );
}
