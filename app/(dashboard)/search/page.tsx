import type { Metadata } from "next";
import { Suspense } from "react";
import { RolePage } from "@/components/team/page-frame";
import { SearchView } from "@/components/team/search-view";

export const metadata: Metadata = { title: "Search" };

export default function SearchPage() {
  return (
    <RolePage role="viewer" title="Search" description="Videos by title, file name or id prefix; a frame by video and index; errors by the text of their message.">
      <Suspense>
        <SearchView />
      </Suspense>
    </RolePage>
  );
}
