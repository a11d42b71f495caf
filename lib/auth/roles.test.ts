import { describe, expect, it } from "vitest";
import { hasRole, lowerRole, roleForMethod } from "./roles";

describe("roles", () => {
  it("orders admin > operator > viewer", () => {
    expect(hasRole("admin", "operator")).toBe(true);
    expect(hasRole("operator", "operator")).toBe(true);
    expect(hasRole("operator", "admin")).toBe(false);
    expect(hasRole("viewer", "operator")).toBe(false);
    expect(hasRole("viewer", "viewer")).toBe(true);
  });

  it("caps a token at the lower of two roles", () => {
    expect(lowerRole("admin", "operator")).toBe("operator");
    expect(lowerRole("viewer", "admin")).toBe("viewer");
    expect(lowerRole("operator", "operator")).toBe("operator");
  });

  it("needs an operator for every method that is not a read", () => {
    for (const m of ["GET", "HEAD", "OPTIONS", "get"]) expect(roleForMethod(m)).toBe("viewer");
    for (const m of ["POST", "PUT", "PATCH", "DELETE"]) expect(roleForMethod(m)).toBe("operator");
  });
});
