import type { Metadata } from "next";
import { RolePage } from "@/components/team/page-frame";
import { DeliveriesView } from "@/components/team/deliveries-view";

export const metadata: Metadata = { title: "Webhook deliveries" };

export default async function DeliveriesPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return (
    <RolePage role="admin" title="Deliveries" description="Each event sent to this endpoint: status, response, attempts; redeliver sends it again with the same webhook-id.">
      <DeliveriesView id={id} />
    </RolePage>
  );
}
