import type { AuditEvent } from "../lib/bindings/AuditEvent";
import type { HistoryQuery } from "../lib/bindings/HistoryQuery";
import type { Outcome } from "../lib/bindings/Outcome";

/** The history view's filters as its controls hold them; "" means "any". */
export type HistoryFilters = {
  text: string;
  agentId: string;
  outcome: Outcome | "";
  event: AuditEvent | "";
  /** `yyyy-mm-dd`, as an `<input type="date">` gives it; the day is included. */
  from: string;
  /** `yyyy-mm-dd`; the whole day is included. */
  to: string;
};

export const NO_FILTERS: HistoryFilters = {
  text: "",
  agentId: "",
  outcome: "",
  event: "",
  from: "",
  to: "",
};

export const HISTORY_PAGE_SIZE = 50;

export function hasFilters(filters: HistoryFilters): boolean {
  return Object.values(filters).some((value) => value.trim() !== "");
}

/** The query for the first page of entries matching `filters`. */
export function historyQueryFor(filters: HistoryFilters): HistoryQuery {
  const text = filters.text.trim();
  return {
    agent_id: filters.agentId || null,
    outcome: filters.outcome || null,
    event: filters.event || null,
    text: text || null,
    from: startOfDay(filters.from),
    to: startOfNextDay(filters.to),
    before_seq: null,
    limit: HISTORY_PAGE_SIZE,
    grant_id: null,
  };
}

/** Local midnight at the start of a `yyyy-mm-dd` day, in ms; null for no or no valid date. */
export function startOfDay(date: string): number | null {
  return localMidnight(date, 0);
}

/** Local midnight at the end of a `yyyy-mm-dd` day (an exclusive bound), in ms. */
export function startOfNextDay(date: string): number | null {
  return localMidnight(date, 1);
}

function localMidnight(date: string, dayOffset: number): number | null {
  const match = /^(\d{4,})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) return null;
  const [year, month, day] = match.slice(1).map(Number) as [number, number, number];
  // Calendar arithmetic rather than adding 24 h: a day with a DST change is 23 or 25 h long.
  const midnight = new Date(year, month - 1, day + dayOffset);
  // `new Date(y, …)` reads years 0–99 as 1900–1999.
  midnight.setFullYear(year, month - 1, day + dayOffset);
  return midnight.getTime();
}
