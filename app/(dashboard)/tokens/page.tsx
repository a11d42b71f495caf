import type { Metadata } from "next";
import { RolePage } from "@/components/team/page-frame";
import { TokensView } from "@/components/team/tokens-view";

export const metadata: Metadata = { title: "API tokens" };

export default function TokensPage() {
  return (
    <RolePage role="operator" title="API tokens" description="Personal tokens for scripts and services; the secret is shown once and stored only hashed.">
      <TokensView />
    </RolePage>
  );
}
