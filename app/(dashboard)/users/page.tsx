import type { Metadata } from "next";
import { RolePage } from "@/components/team/page-frame";
import { UsersView } from "@/components/team/users-view";

export const metadata: Metadata = { title: "Users" };

export default function UsersPage() {
  return (
    <RolePage role="admin" title="Users" description="Who can sign in, with which role. Disabling a user signs them out everywhere at once.">
      <UsersView />
    </RolePage>
  );
}
