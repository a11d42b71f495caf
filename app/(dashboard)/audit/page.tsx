import type { Metadata } from "next";
import { RolePage } from "@/components/team/page-frame";
import { AuditView } from "@/components/team/audit-view";

export const metadata: Metadata = { title: "Audit" };

export default function AuditPage() {
  return (
    <RolePage role="admin" title="Audit" description="Every state-changing action, by whom, from where, and how it ended.">
      <AuditView />
    </RolePage>
  );
}
