import { describe, expect, it } from "vitest";
import type { CalendarDay } from "../../lib/time";
import {
  FROM_AFTER_TO,
  NOT_A_DATE,
  NO_FILTERS,
  datesReversed,
  hasFilters,
  historyQueryFor,
  readDateField,
  sameDay,
  startOfDay,
  startOfNextDay,
} from "./historyFilters";

function day(year: number, month: number, date: number): CalendarDay {
  return { year, month, day: date };
}

describe("historyQueryFor", () => {
  it("asks for the first page of everything when nothing is filtered", () => {
    expect(historyQueryFor(NO_FILTERS)).toEqual({
      agent_id: null,
      outcome: null,
      event: null,
      text: null,
      from: null,
      to: null,
      before_seq: null,
      limit: 50,
      grant_id: null,
    });
    expect(hasFilters(NO_FILTERS)).toBe(false);
  });

  it("passes each filter, the dates as local day bounds with the end day included", () => {
    const filters = {
      text: "  rm -rf ",
      agentId: "agent-1",
      outcome: "denied",
      event: "resolved",
      from: day(2026, 11, 1),
      to: day(2026, 11, 24),
    } as const;

    expect(historyQueryFor(filters)).toEqual({
      agent_id: "agent-1",
      outcome: "denied",
      event: "resolved",
      text: "rm -rf",
      from: new Date(2026, 10, 1).getTime(),
      to: new Date(2026, 10, 25).getTime(),
      before_seq: null,
      limit: 50,
      grant_id: null,
    });
    expect(hasFilters(filters)).toBe(true);
  });

  it("counts a date alone as a filter", () => {
    expect(hasFilters({ ...NO_FILTERS, from: day(2026, 12, 6) })).toBe(true);
    expect(hasFilters({ ...NO_FILTERS, to: day(2026, 12, 6) })).toBe(true);
    expect(hasFilters({ ...NO_FILTERS, text: "   " })).toBe(false);
  });

  it("takes a single day as From and To, whole", () => {
    const query = historyQueryFor({ ...NO_FILTERS, from: day(2026, 12, 6), to: day(2026, 12, 6) });
    expect(query.from).toBe(new Date(2026, 11, 6).getTime());
    expect(query.to).toBe(new Date(2026, 11, 7).getTime());
  });

  it("leaves both dates out when From is after To, rather than matching nothing", () => {
    const filters = {
      ...NO_FILTERS,
      outcome: "denied",
      from: day(2026, 12, 7),
      to: day(2026, 12, 6),
    } as const;

    expect(datesReversed(filters)).toBe(true);
    expect(historyQueryFor(filters)).toEqual({
      ...historyQueryFor(NO_FILTERS),
      outcome: "denied",
    });
    expect(datesReversed({ ...filters, to: null })).toBe(false);
    expect(datesReversed({ ...filters, to: day(2026, 12, 7) })).toBe(false);
  });
});

describe("readDateField", () => {
  const TODAY = new Date(2026, 11, 6, 12, 0, 0);

  it("writes a date it reads as the entries do", () => {
    expect(readDateField("6 december 2026", TODAY)).toEqual({
      day: day(2026, 12, 6),
      text: "6 Dec 2026",
      problem: null,
    });
    expect(readDateField(" 2026-11-01 ", TODAY).text).toBe("1 Nov 2026");
    expect(readDateField("yesterday", TODAY).text).toBe("5 Dec 2026");
  });

  it("takes an empty field as no bound, with nothing wrong", () => {
    expect(readDateField("", TODAY)).toEqual({ day: null, text: "", problem: null });
    expect(readDateField("   ", TODAY)).toEqual({ day: null, text: "", problem: null });
  });

  it("keeps what was typed, and says how to write it, when it is not a date", () => {
    expect(NOT_A_DATE).toBe("Not a date: write it as 6 Dec 2026");
    expect(readDateField("31 Feb 2026", TODAY)).toEqual({
      day: null,
      text: "31 Feb 2026",
      problem: NOT_A_DATE,
    });
    expect(readDateField("12/06/2026", TODAY)).toEqual({
      day: null,
      text: "12/06/2026",
      problem: NOT_A_DATE,
    });
    expect(FROM_AFTER_TO).toBe("From is after To");
  });
});

describe("day bounds", () => {
  it("are local midnights, across month and year ends", () => {
    expect(startOfDay(day(2026, 12, 31))).toBe(new Date(2026, 11, 31).getTime());
    expect(startOfNextDay(day(2026, 12, 31))).toBe(new Date(2027, 0, 1).getTime());
    expect(startOfNextDay(day(2024, 2, 29))).toBe(new Date(2024, 2, 1).getTime());
  });

  it("read a year below 100 as itself, not as the 1900s", () => {
    const expected = new Date(2000, 11, 6);
    expected.setFullYear(99, 11, 6);
    expect(startOfDay(day(99, 12, 6))).toBe(expected.getTime());
    expect(new Date(startOfDay(day(99, 12, 6))!).getFullYear()).toBe(99);
    expect(new Date(startOfNextDay(day(99, 12, 31))!).getFullYear()).toBe(100);
  });

  it("are null for no date", () => {
    expect(startOfDay(null)).toBeNull();
    expect(startOfNextDay(null)).toBeNull();
  });
});

describe("sameDay", () => {
  it("compares days by date, and no day only with no day", () => {
    expect(sameDay(day(2026, 12, 6), day(2026, 12, 6))).toBe(true);
    expect(sameDay(day(2026, 12, 6), day(2026, 12, 7))).toBe(false);
    expect(sameDay(null, null)).toBe(true);
    expect(sameDay(day(2026, 12, 6), null)).toBe(false);
    expect(sameDay(null, day(2026, 12, 6))).toBe(false);
  });
});
