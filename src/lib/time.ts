/** Time left before a deadline as mm:ss (minutes keep counting past 59), or "expired". */
export function formatCountdown(remainingMs: number): string {
  if (remainingMs <= 0) return "expired";
  // Round up so "00:00" is never shown while time remains.
  const totalSeconds = Math.ceil(remainingMs / 1000);
  const minutes = Math.floor(totalSeconds / 60);
  const seconds = totalSeconds % 60;
  return `${pad(minutes)}:${pad(seconds)}`;
}

/** How long ago something happened, in its largest whole unit: "12s ago", "3m ago". */
export function formatAgo(elapsedMs: number): string {
  // Clamped: a timestamp the backend took a moment ago can be a little ahead of our tick.
  const seconds = Math.max(0, Math.floor(elapsedMs / 1000));
  if (seconds < 1) return "just now";
  if (seconds < 60) return `${seconds}s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h ago`;
  return `${Math.floor(hours / 24)}d ago`;
}

/**
 * How long something has lasted, compactly: "12s", "2 min", "1 h 5 min", "3 d 4 h"; worded
 * to follow "for". Clamped at 0, as `formatAgo` is.
 */
export function formatLasted(elapsedMs: number): string {
  const seconds = Math.max(0, Math.floor(elapsedMs / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days} d` : `${days} d ${hours % 24} h`;
}

const MONTH_NAMES = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];
const MONTHS = MONTH_NAMES.map((name) => name.slice(0, 3));

/** A day on the calendar, with no time zone; `month` runs 1–12. */
export type CalendarDay = { year: number; month: number; day: number };

/** A moment in local time, to the second: "24 Nov 2026, 05:33:06". */
export function formatDateTime(ms: number): string {
  // Spelled out rather than left to the locale, so an audit trail reads the same everywhere.
  const date = new Date(ms);
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  return `${formatDay(dayOf(date))}, ${time}`;
}

/** A day as `formatDateTime` writes it: "6 Dec 2026". */
export function formatDay({ year, month, day }: CalendarDay): string {
  // Four digits, as parseDay wants them, so a day it writes always reads back.
  return `${day} ${MONTHS[month - 1]} ${String(year).padStart(4, "0")}`;
}

/**
 * The day a person wrote: "6 Dec 2026", "6 december 2026" (a month's name in full or its first
 * three letters, in any case), "2026-12-06", "today" or "yesterday". Null for anything else,
 * including a day the calendar does not have (31 Feb) and a year not written in four digits.
 */
export function parseDay(text: string, today: Date = new Date()): CalendarDay | null {
  const words = text.trim().toLowerCase();
  if (words === "today") return dayOf(today);
  if (words === "yesterday") {
    // Calendar arithmetic rather than subtracting 24 h: a day with a DST change is 23 or 25 h long.
    return dayOf(new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1));
  }
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(words);
  if (iso) return calendarDay(Number(iso[1]), Number(iso[2]), Number(iso[3]));
  const spelled = /^(\d{1,2})\s+([a-z]+)\s+(\d{4})$/.exec(words);
  if (!spelled) return null;
  const name = spelled[2]!;
  const month = MONTH_NAMES.findIndex((full) => {
    const lower = full.toLowerCase();
    return name === lower || name === lower.slice(0, 3);
  });
  if (month < 0) return null;
  return calendarDay(Number(spelled[3]), month + 1, Number(spelled[1]));
}

/** Negative when `a` is the earlier day, 0 for the same day, positive when it is the later. */
export function compareDays(a: CalendarDay, b: CalendarDay): number {
  return a.year - b.year || a.month - b.month || a.day - b.day;
}

function calendarDay(year: number, month: number, day: number): CalendarDay | null {
  // The calendar starts at year 1: there is no year 0 to filter by.
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return null;
  return { year, month, day };
}

function daysIn(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function dayOf(date: Date): CalendarDay {
  return { year: date.getFullYear(), month: date.getMonth() + 1, day: date.getDate() };
}

function pad(value: number): string {
  return String(value).padStart(2, "0");
}
