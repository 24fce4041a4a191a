import type { AuditEvent } from "../../lib/bindings/AuditEvent";
import type { HistoryQuery } from "../../lib/bindings/HistoryQuery";
import type { Outcome } from "../../lib/bindings/Outcome";
import { compareDays, formatDay, parseDay, type CalendarDay } from "../../lib/time";

/** The history view's filters as its controls hold them; "" and null mean "any". */
export type HistoryFilters = {
  text: string;
  agentId: string;
  outcome: Outcome | "";
  event: AuditEvent | "";
  /** The first day shown, whole. */
  from: CalendarDay | null;
  /** The last day shown, whole. */
  to: CalendarDay | null;
};

export const NO_FILTERS: HistoryFilters = {
  text: "",
  agentId: "",
  outcome: "",
  event: "",
  from: null,
  to: null,
};

export const HISTORY_PAGE_SIZE = 50;

export const DATE_PLACEHOLDER = "6 Dec 2026";
export const NOT_A_DATE = `Not a date: write it as ${DATE_PLACEHOLDER}`;
export const FROM_AFTER_TO = "From is after To";

export function hasFilters(filters: HistoryFilters): boolean {
  return (
    filters.text.trim() !== "" ||
    filters.agentId !== "" ||
    filters.outcome !== "" ||
    filters.event !== "" ||
    filters.from !== null ||
    filters.to !== null
  );
}

/** Whether From names a later day than To: such a range matches nothing. */
export function datesReversed({ from, to }: HistoryFilters): boolean {
  return from !== null && to !== null && compareDays(from, to) > 0;
}

/** The query for the first page of entries matching `filters`. */
export function historyQueryFor(filters: HistoryFilters): HistoryQuery {
  const text = filters.text.trim();
  // A reversed range would empty the list for no visible reason; the bar says what is wrong
  // instead, and the entries stay in view meanwhile.
  const reversed = datesReversed(filters);
  return {
    agent_id: filters.agentId || null,
    outcome: filters.outcome || null,
    event: filters.event || null,
    text: text || null,
    from: reversed ? null : startOfDay(filters.from),
    to: reversed ? null : startOfNextDay(filters.to),
    before_seq: null,
    limit: HISTORY_PAGE_SIZE,
    grant_id: null,
  };
}

/** A From or To field's text, read: the day to filter by, and what is wrong with the text. */
export type DateFieldReading = {
  /** Null for no bound: the field is empty, or holds no date. */
  day: CalendarDay | null;
  /** The text to show in the field: a date written as the entries write theirs. */
  text: string;
  /** What is wrong with the text, in the person's words; null when nothing is. */
  problem: string | null;
};

export function readDateField(text: string, today: Date = new Date()): DateFieldReading {
  if (text.trim() === "") return { day: null, text: "", problem: null };
  const day = parseDay(text, today);
  if (day === null) return { day: null, text, problem: NOT_A_DATE };
  return { day, text: formatDay(day), problem: null };
}

export function sameDay(a: CalendarDay | null, b: CalendarDay | null): boolean {
  return a === b || (a !== null && b !== null && compareDays(a, b) === 0);
}

/** Local midnight at the start of a day, in ms; null for no day. */
export function startOfDay(day: CalendarDay | null): number | null {
  return day && localMidnight(day, 0);
}

/** Local midnight at the end of a day (an exclusive bound), in ms; null for no day. */
export function startOfNextDay(day: CalendarDay | null): number | null {
  return day && localMidnight(day, 1);
}

function localMidnight({ year, month, day }: CalendarDay, dayOffset: number): number {
  // Calendar arithmetic rather than adding 24 h: a day with a DST change is 23 or 25 h long.
  const midnight = new Date(year, month - 1, day + dayOffset);
  // `new Date(y, …)` reads years 0–99 as 1900–1999.
  midnight.setFullYear(year, month - 1, day + dayOffset);
  return midnight.getTime();
}
