import { describe, expect, it } from "vitest";
import { formatCompactCount, formatCount, formatMicroUsd } from "./numbers";

describe("formatCount", () => {
  it("separates thousands the same everywhere", () => {
    expect(formatCount(7)).toBe("7");
    expect(formatCount(1500)).toBe("1,500");
    expect(formatCount(1_234_567)).toBe("1,234,567");
  });
});

describe("formatCompactCount", () => {
  it("says a count in a few characters, never more than there is", () => {
    expect(formatCompactCount(950)).toBe("950");
    expect(formatCompactCount(1000)).toBe("1k");
    expect(formatCompactCount(24_650)).toBe("24.6k");
    expect(formatCompactCount(24_699)).toBe("24.6k");
    expect(formatCompactCount(412_000)).toBe("412k");
    expect(formatCompactCount(999_999)).toBe("999k");
    expect(formatCompactCount(1_250_000)).toBe("1.2M");
    expect(formatCompactCount(3_456_789_000)).toBe("3,456M");
  });
});

describe("formatMicroUsd", () => {
  it("says millionths of a dollar in dollars and cents", () => {
    expect(formatMicroUsd(1_330_000)).toBe("$1.33");
    expect(formatMicroUsd(1_334_999)).toBe("$1.33");
    expect(formatMicroUsd(1_335_000)).toBe("$1.34");
    expect(formatMicroUsd(10_000)).toBe("$0.01");
    expect(formatMicroUsd(1_204_500_000)).toBe("$1,204.50");
  });

  it("says under a cent rather than nothing", () => {
    expect(formatMicroUsd(9_999)).toBe("under $0.01");
    expect(formatMicroUsd(0)).toBe("under $0.01");
  });
});
