import { describe, expect, it } from "vitest";
import { formatCount } from "./numbers";

describe("formatCount", () => {
  it("separates thousands the same everywhere", () => {
    expect(formatCount(7)).toBe("7");
    expect(formatCount(1500)).toBe("1,500");
    expect(formatCount(1_234_567)).toBe("1,234,567");
  });
});
