import { describe, expect, it } from "vitest";
import { formatAgo, formatCountdown, formatDateTime } from "./time";

describe("formatCountdown", () => {
  it("shows minutes and seconds left, rounding up", () => {
    expect(formatCountdown(5 * 60 * 1000)).toBe("05:00");
    expect(formatCountdown(299_001)).toBe("05:00");
    expect(formatCountdown(299_000)).toBe("04:59");
    expect(formatCountdown(1)).toBe("00:01");
  });

  it("keeps counting minutes past an hour", () => {
    expect(formatCountdown(75 * 60 * 1000)).toBe("75:00");
  });

  it("says expired at and after the deadline", () => {
    expect(formatCountdown(0)).toBe("expired");
    expect(formatCountdown(-5000)).toBe("expired");
  });
});

describe("formatAgo", () => {
  it("uses the largest whole unit", () => {
    expect(formatAgo(12_400)).toBe("12s ago");
    expect(formatAgo(3 * 60 * 1000 + 59_000)).toBe("3m ago");
    expect(formatAgo(2 * 3600 * 1000)).toBe("2h ago");
    expect(formatAgo(3 * 86400 * 1000)).toBe("3d ago");
  });

  it("says just now for under a second, including timestamps slightly ahead", () => {
    expect(formatAgo(400)).toBe("just now");
    expect(formatAgo(-2000)).toBe("just now");
  });
});

describe("formatDateTime", () => {
  it("shows the local date and time to the second", () => {
    expect(formatDateTime(new Date(2026, 10, 24, 5, 33, 6).getTime())).toBe(
      "24 Nov 2026, 05:33:06",
    );
    expect(formatDateTime(new Date(2027, 0, 3, 23, 4, 59).getTime())).toBe(
      "3 Jan 2027, 23:04:59",
    );
  });
});
