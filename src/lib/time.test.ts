import { describe, expect, it } from "vitest";
import {
  compareDays,
  formatAgo,
  formatCountdown,
  formatDateTime,
  formatDay,
  formatLasted,
  parseDay,
  type CalendarDay,
} from "./time";

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

describe("formatLasted", () => {
  it("says how long in a few characters, to follow “for”", () => {
    expect(formatLasted(12_400)).toBe("12s");
    expect(formatLasted(150_000)).toBe("2 min");
    expect(formatLasted(3600_000)).toBe("1 h");
    expect(formatLasted(3900_000)).toBe("1 h 5 min");
    expect(formatLasted(3 * 86400_000)).toBe("3 d");
    expect(formatLasted(3 * 86400_000 + 4 * 3600_000 + 59_000)).toBe("3 d 4 h");
  });

  it("says 0s for a time slightly ahead of the clock", () => {
    expect(formatLasted(-2000)).toBe("0s");
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

describe("parseDay", () => {
  // Noon, so no time zone the tests run in moves "today" to another day.
  const TODAY = new Date(2026, 11, 6, 12, 0, 0);
  const DEC_6: CalendarDay = { year: 2026, month: 12, day: 6 };

  it("reads a day as the entries write it, the month in full or short, in any case", () => {
    for (const text of [
      "6 Dec 2026",
      "6 dec 2026",
      "6 DEC 2026",
      "6 December 2026",
      "6 december 2026",
      "06 Dec 2026",
    ]) {
      expect(parseDay(text, TODAY), text).toEqual(DEC_6);
    }
    expect(parseDay("1 sep 2026", TODAY)).toEqual({ year: 2026, month: 9, day: 1 });
    expect(parseDay("1 September 2026", TODAY)).toEqual({ year: 2026, month: 9, day: 1 });
    expect(parseDay("31 may 2026", TODAY)).toEqual({ year: 2026, month: 5, day: 31 });
  });

  it("reads an ISO day", () => {
    expect(parseDay("2026-12-06", TODAY)).toEqual(DEC_6);
    expect(parseDay("2026-1-2", TODAY)).toEqual({ year: 2026, month: 1, day: 2 });
  });

  it("reads today and yesterday, across a month and a year end", () => {
    expect(parseDay("today", TODAY)).toEqual(DEC_6);
    expect(parseDay("Today", TODAY)).toEqual(DEC_6);
    expect(parseDay("YESTERDAY", TODAY)).toEqual({ year: 2026, month: 12, day: 5 });
    const newYear = new Date(2027, 0, 1, 0, 30);
    expect(parseDay("yesterday", newYear)).toEqual({ year: 2026, month: 12, day: 31 });
    const march = new Date(2024, 2, 1, 12);
    expect(parseDay("yesterday", march)).toEqual({ year: 2024, month: 2, day: 29 });
  });

  it("ignores whitespace around and between the words", () => {
    expect(parseDay("  6 Dec 2026\t", TODAY)).toEqual(DEC_6);
    expect(parseDay("6   Dec\t2026", TODAY)).toEqual(DEC_6);
    expect(parseDay(" 2026-12-06 ", TODAY)).toEqual(DEC_6);
    expect(parseDay("  today ", TODAY)).toEqual(DEC_6);
  });

  it("refuses days the calendar does not have", () => {
    expect(parseDay("31 Feb 2026", TODAY)).toBeNull();
    expect(parseDay("30 Feb 2024", TODAY)).toBeNull();
    expect(parseDay("31 Apr 2026", TODAY)).toBeNull();
    expect(parseDay("0 Dec 2026", TODAY)).toBeNull();
    expect(parseDay("32 Dec 2026", TODAY)).toBeNull();
    expect(parseDay("2026-13-01", TODAY)).toBeNull();
    expect(parseDay("2026-00-10", TODAY)).toBeNull();
    expect(parseDay("2026-02-29", TODAY)).toBeNull();
    expect(parseDay("0000-01-01", TODAY)).toBeNull();
  });

  it("knows the leap years: every fourth, but not centuries other than every fourth", () => {
    expect(parseDay("29 Feb 2025", TODAY)).toBeNull();
    expect(parseDay("29 Feb 2024", TODAY)).toEqual({ year: 2024, month: 2, day: 29 });
    expect(parseDay("29 Feb 1900", TODAY)).toBeNull();
    expect(parseDay("29 Feb 2000", TODAY)).toEqual({ year: 2000, month: 2, day: 29 });
  });

  it("reads a year below 100 as written in four digits, not as the 1900s", () => {
    expect(parseDay("6 Dec 0099", TODAY)).toEqual({ year: 99, month: 12, day: 6 });
    expect(parseDay("0099-12-06", TODAY)).toEqual({ year: 99, month: 12, day: 6 });
    expect(parseDay("29 Feb 0004", TODAY)).toEqual({ year: 4, month: 2, day: 29 });
    // "6 Dec 26" could mean 26 or 2026: asked to write it out rather than guessed.
    expect(parseDay("6 Dec 26", TODAY)).toBeNull();
    expect(parseDay("26-12-06", TODAY)).toBeNull();
  });

  it("refuses anything else", () => {
    for (const text of [
      "",
      "   ",
      "12/06/2026",
      "06.12.2026",
      "Dec 6 2026",
      "6 Dez 2026",
      "6 De 2026",
      "6 Decem 2026",
      "6 Dec 2026, 18:02:17",
      "2026-12-06T00:00",
      "6Dec2026",
      "tomorrow",
      "today!",
      "6 Dec 20266",
      "१ Dec 2026",
      "<script>",
    ]) {
      expect(parseDay(text, TODAY), text).toBeNull();
    }
  });

  it("reads back each day it writes", () => {
    const written = ["6 december 2026", "2026-02-28", "29 FEB 2024", "1 Jan 0099", "yesterday"];
    for (const text of written) {
      const day = parseDay(text, TODAY)!;
      expect(parseDay(formatDay(day), TODAY), text).toEqual(day);
      expect(formatDay(parseDay(formatDay(day), TODAY)!)).toBe(formatDay(day));
    }
    expect(formatDay(parseDay("6 december 2026", TODAY)!)).toBe("6 Dec 2026");
    expect(formatDay(parseDay("2026-09-01", TODAY)!)).toBe("1 Sep 2026");
    expect(formatDay(parseDay("6 Dec 0099", TODAY)!)).toBe("6 Dec 0099");
  });
});

describe("formatDay", () => {
  it("writes the day as formatDateTime does", () => {
    const at = new Date(2026, 11, 6, 18, 2, 17).getTime();
    expect(formatDay({ year: 2026, month: 12, day: 6 })).toBe("6 Dec 2026");
    expect(formatDateTime(at)).toBe(`${formatDay({ year: 2026, month: 12, day: 6 })}, 18:02:17`);
  });
});

describe("compareDays", () => {
  it("orders by year, then month, then day", () => {
    const day = (year: number, month: number, date: number) => ({ year, month, day: date });
    expect(compareDays(day(2026, 12, 6), day(2026, 12, 6))).toBe(0);
    expect(compareDays(day(2026, 12, 5), day(2026, 12, 6))).toBeLessThan(0);
    expect(compareDays(day(2026, 11, 30), day(2026, 12, 1))).toBeLessThan(0);
    expect(compareDays(day(2027, 1, 1), day(2026, 12, 31))).toBeGreaterThan(0);
  });
});
