import { describe, expect, it } from "vitest";
import {
  NO_FILTERS,
  hasFilters,
  historyQueryFor,
  startOfDay,
  startOfNextDay,
} from "./historyFilters";

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
      from: "2026-11-01",
      to: "2026-11-24",
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
});

describe("day bounds", () => {
  it("are local midnights, across month and year ends", () => {
    expect(startOfDay("2026-12-31")).toBe(new Date(2026, 11, 31).getTime());
    expect(startOfNextDay("2026-12-31")).toBe(new Date(2027, 0, 1).getTime());
  });

  it("are null for no date or an unreadable one", () => {
    expect(startOfDay("")).toBeNull();
    expect(startOfNextDay("24/11/2026")).toBeNull();
  });
});
