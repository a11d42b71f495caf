import { expect, type APIRequestContext } from "@playwright/test";
import { auth } from "./api";
import { uniqueTitle } from "./seed";

export interface TestUser {
  id: string;
  email: string;
  password: string;
  role: "admin" | "operator" | "viewer";
}

/** A user of a role, created through POST /api/users with the bootstrap API_TOKEN (an admin). */
export async function createTestUser(request: APIRequestContext, role: TestUser["role"]): Promise<TestUser> {
  const email = `${uniqueTitle(role)}@example.com`.toLowerCase();
  const password = `pw-${uniqueTitle("x")}`;
  const res = await request.post("/api/users", { headers: auth, data: { email, role, password } });
  expect(res.status(), await res.text()).toBe(201);
  return { id: ((await res.json()) as { id: string }).id, email, password, role };
}
