import type { Metadata } from "next";
import { RolePage } from "@/components/team/page-frame";
import { FailuresView } from "@/components/team/failures-view";

export const metadata: Metadata = { title: "Failures" };

export default function FailuresPage() {
  return (
    <RolePage role="viewer" title="Failures" description="Failed frames of every video, by cause.">
      <FailuresView />
    </RolePage>
  );
}
