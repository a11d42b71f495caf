import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "./env";

describe("ENHANCER_COST_PER_CALL", () => {
  it("is optional and accepts a non-negative number, fractions of a cent included", () => {
    expect(parseEnv({}).ENHANCER_COST_PER_CALL).toBeUndefined();
    expect(parseEnv({ ENHANCER_COST_PER_CALL: "0.0025" }).ENHANCER_COST_PER_CALL).toBe(0.0025);
    expect(parseEnv({ ENHANCER_COST_PER_CALL: "0" }).ENHANCER_COST_PER_CALL).toBe(0);
  });

  it("refuses a negative price or one that is not a number, naming the variable", () => {
    expect(() => parseEnv({ ENHANCER_COST_PER_CALL: "-1" })).toThrow(EnvError);
    expect(() => parseEnv({ ENHANCER_COST_PER_CALL: "-1" })).toThrow(/ENHANCER_COST_PER_CALL must be 0 or more/);
    expect(() => parseEnv({ ENHANCER_COST_PER_CALL: "two cents" })).toThrow(/ENHANCER_COST_PER_CALL/);
  });
});
