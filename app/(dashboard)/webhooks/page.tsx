import type { Metadata } from "next";
import { RolePage } from "@/components/team/page-frame";
import { WebhooksView } from "@/components/team/webhooks-view";

export const metadata: Metadata = { title: "Webhooks" };

export default function WebhooksPage() {
  return (
    <RolePage role="admin" title="Webhooks" description="Tell other services when a video completes, fails or is canceled, or when frames fail.">
      <WebhooksView />
    </RolePage>
  );
}
