import { describe, expect, it } from "vitest";
import { idPrefixRange, videoWhere } from "./video-filter";

describe("video filter", () => {
  it("turns an id prefix into a UUID range", () => {
    expect(idPrefixRange("3F2A")).toEqual({ gte: "3f2a0000-0000-0000-0000-000000000000", lte: "3f2affff-ffff-ffff-ffff-ffffffffffff" });
    expect(idPrefixRange("3f2a91c0-12")).toEqual({ gte: "3f2a91c0-1200-0000-0000-000000000000", lte: "3f2a91c0-12ff-ffff-ffff-ffffffffffff" });
    expect(idPrefixRange("abc")).toBeNull();
    expect(idPrefixRange("holiday")).toBeNull();
  });

  it("a date-only `to` includes that whole day", () => {
    const where = videoWhere({ from: "2026-11-01", to: "2026-11-30" });
    expect(where.AND).toEqual([
      { createdAt: { gte: new Date("2026-11-01T00:00:00Z") } },
      { createdAt: { lt: new Date("2026-12-01T00:00:00Z") } },
    ]);
  });
});
