import type { PhoneSettings } from "../../lib/bindings/PhoneSettings";
import type { Settings } from "../../lib/bindings/Settings";
import { formatCount } from "../../lib/numbers";
import {
  displayShortcut,
  parseShortcut,
  sameShortcut,
  SHORTCUT_FIELDS,
  SHORTCUT_NAME,
  type ShortcutField,
} from "./shortcutKeys";

export type TimeUnit = "seconds" | "minutes";

export const SECONDS_PER: Record<TimeUnit, number> = { seconds: 1, minutes: 60 };

/** The backend refuses a default timeout outside 1 second to 7 days. */
export const MAX_TIMEOUT_SECS = 7 * 24 * 3600;

/** The backend sends a request to the phone after it has waited 1 second to a day. */
export const MAX_PHONE_WAIT_SECS = 24 * 3600;

/** The longest a time field takes, in seconds and in words. */
export type TimeLimit = { secs: number; words: string };

export const DEFAULT_TIMEOUT_LIMIT: TimeLimit = { secs: MAX_TIMEOUT_SECS, words: "7 days" };
export const PHONE_WAIT_LIMIT: TimeLimit = { secs: MAX_PHONE_WAIT_SECS, words: "a day" };

export type TimeoutInput = {
  /** What the number field holds; null while it is empty or not a number. */
  amount: number | null;
  unit: TimeUnit;
};

/** The backend keeps agents' activity from 1 day to 10 years. */
export const MAX_ACTIVITY_KEPT_DAYS = 3650;

/** The backend sends requests to the phone once the session has been idle 1 minute to a
 * day. */
export const MAX_PHONE_IDLE_MINUTES = 24 * 60;

/** Phone's settings as the form edits them: how long a request waits on the desktop before
 * it goes to the phone as an amount in a unit, and the minutes idle as the number field
 * holds them (null while it is empty or not a number). */
export type PhoneForm = Omit<PhoneSettings, "unanswered_secs" | "idle_minutes"> & {
  wait: TimeoutInput;
  idle_minutes: number | null;
};

/**
 * Settings as the form edits them: the default timeout and Phone's wait as an amount in a
 * unit, and the days activity is kept as the number field holds them (null while it is empty
 * or not a number).
 */
export type SettingsForm = Omit<
  Settings,
  "default_timeout_secs" | "activity_kept_days" | "phone"
> & {
  timeout: TimeoutInput;
  activity_kept_days: number | null;
  phone: PhoneForm;
};

/** Whole minutes in minutes, anything else in seconds. */
function timeInput(seconds: number): TimeoutInput {
  const unit: TimeUnit = seconds % 60 === 0 ? "minutes" : "seconds";
  return { amount: seconds / SECONDS_PER[unit], unit };
}

export function toForm(settings: Settings): SettingsForm {
  const {
    default_timeout_secs: seconds,
    phone: { unanswered_secs, ...phone },
    ...rest
  } = settings;
  return {
    ...structuredClone(rest),
    timeout: timeInput(seconds),
    phone: { ...phone, wait: timeInput(unanswered_secs) },
  };
}

/** `count` when it is a whole number from 1 to `max`; null otherwise. */
function wholeUpTo(count: number | null, max: number): number | null {
  if (count === null || !Number.isInteger(count)) return null;
  return count >= 1 && count <= max ? count : null;
}

/** The days typed, when the backend would keep activity that long; null otherwise. */
export function keptDays(days: number | null): number | null {
  return wholeUpTo(days, MAX_ACTIVITY_KEPT_DAYS);
}

/** What is wrong with the days activity is kept; null when nothing is. */
export function keptDaysProblem(days: number | null): string | null {
  if (keptDays(days) !== null) return null;
  const range = `from 1 to ${formatCount(MAX_ACTIVITY_KEPT_DAYS)} (10 years)`;
  if (days === null || !Number.isFinite(days)) return `Type a whole number of days, ${range}.`;
  return `Use a whole number of days, ${range}.`;
}

/** The minutes typed, when the backend would take them as the idle time before requests go
 * to the phone; null otherwise. */
export function idleMinutes(minutes: number | null): number | null {
  return wholeUpTo(minutes, MAX_PHONE_IDLE_MINUTES);
}

/** What is wrong with the idle time before requests go to the phone; null when nothing is. */
export function idleMinutesProblem(minutes: number | null): string | null {
  if (idleMinutes(minutes) !== null) return null;
  const range = `from 1 to ${formatCount(MAX_PHONE_IDLE_MINUTES)} (a day)`;
  if (minutes === null || !Number.isFinite(minutes)) {
    return `Type a whole number of minutes, ${range}.`;
  }
  return `Use a whole number of minutes, ${range}.`;
}

/** The timeout in whole seconds; null when it is not one the backend would accept (up to
 * `limit`), or (in minutes) less than the 1 minute its unit starts at. */
export function timeoutSeconds(
  { amount, unit }: TimeoutInput,
  limit: TimeLimit = DEFAULT_TIMEOUT_LIMIT,
): number | null {
  if (amount === null || !Number.isFinite(amount) || amount < 1) return null;
  const seconds = amount * SECONDS_PER[unit];
  if (!Number.isInteger(seconds) || seconds > limit.secs) return null;
  return seconds;
}

const UNIT_ONE: Record<TimeUnit, string> = { seconds: "1 second", minutes: "1 minute" };

/** The limits in the unit the person chose: “from 1 minute to 7 days (10,080 minutes)”. */
function timeoutRange(unit: TimeUnit, limit: TimeLimit): string {
  const most = formatCount(limit.secs / SECONDS_PER[unit]);
  return `from ${UNIT_ONE[unit]} to ${limit.words} (${most} ${unit})`;
}

/** What is wrong with the timeout, in the unit the person chose; null when nothing is. */
export function timeoutProblem(
  timeout: TimeoutInput,
  limit: TimeLimit = DEFAULT_TIMEOUT_LIMIT,
): string | null {
  if (timeoutSeconds(timeout, limit) !== null) return null;
  const { amount, unit } = timeout;
  const range = timeoutRange(unit, limit);
  const what = unit === "seconds" ? "a whole number of seconds" : "a number of minutes";
  if (amount === null || !Number.isFinite(amount)) return `Type ${what}, ${range}.`;
  if (unit === "minutes" && amount >= 1 && amount * SECONDS_PER.minutes <= limit.secs) {
    return `${amount} minutes is not a whole number of seconds: use whole minutes, or choose seconds.`;
  }
  return `Use ${what}, ${range}.`;
}

/** The settings the form describes; null while its timeout, its days, Phone's wait or
 * Phone's idle minutes are not valid. */
export function fromForm(form: SettingsForm): Settings | null {
  const {
    timeout,
    activity_kept_days,
    phone: { wait, idle_minutes, ...phone },
    ...rest
  } = form;
  const seconds = timeoutSeconds(timeout);
  const days = keptDays(activity_kept_days);
  const waitSeconds = timeoutSeconds(wait, PHONE_WAIT_LIMIT);
  const idle = idleMinutes(idle_minutes);
  if (seconds === null || days === null || waitSeconds === null || idle === null) return null;
  return {
    ...structuredClone(rest),
    default_timeout_secs: seconds,
    activity_kept_days: days,
    phone: { ...phone, unanswered_secs: waitSeconds, idle_minutes: idle },
  };
}

/** The times the quiet hours start and end. */
export type QuietTimeField = "quiet_from" | "quiet_until";

export const QUIET_TIME_FIELDS: readonly QuietTimeField[] = ["quiet_from", "quiet_until"];

/** A time as the backend takes it: exactly `HH:MM`, from 00:00 to 23:59. */
const HH_MM = /^(?:[01][0-9]|2[0-3]):[0-5][0-9]$/;

/** What is wrong with a time the quiet hours start or end at; null when nothing is. */
export function quietTimeProblem(field: QuietTimeField, time: string): string | null {
  if (HH_MM.test(time)) return null;
  const example = field === "quiet_from" ? "22:00" : "07:00";
  const when = field === "quiet_from" ? "start" : "end";
  if (time.trim() === "") {
    return `Type the time quiet hours ${when}, as HH:MM, for example ${example}.`;
  }
  return `Use a time as HH:MM, from 00:00 to 23:59, for example ${example}.`;
}

/** A field the form checks before saving. */
export type CheckedField =
  | ShortcutField
  | "timeout"
  | QuietTimeField
  | "activity_kept_days"
  | "phone_idle"
  | "phone_wait";

/** How the page names each checked field in a sentence. */
export const FIELD_NAME: Record<CheckedField, string> = {
  ...SHORTCUT_NAME,
  timeout: "default timeout",
  quiet_from: "start of the quiet hours",
  quiet_until: "end of the quiet hours",
  activity_kept_days: "days activity is kept",
  phone_idle: "idle time before requests go to the phone",
  phone_wait: "wait before a request goes to the phone",
};

/** Keys the backend could not register, as typed, with what to tell the person. */
export type KeyRefusals = Partial<Record<ShortcutField, { key: string; problem: string }>>;

export type SavePlan = {
  /** What Save sends: every valid change, and the saved value of each field not valid. */
  settings: Settings;
  /** Why each field left out cannot be saved; only fields that differ from the saved ones. */
  problems: Partial<Record<CheckedField, string>>;
};

/**
 * What saving `form` over the `saved` settings would send. A field that is not valid (or
 * whose key the backend refused) keeps its saved value, so the other changes still save;
 * the backend takes all of a settings object or none of it.
 */
export function planSave(form: SettingsForm, saved: Settings, refused: KeyRefusals = {}): SavePlan {
  const problems: SavePlan["problems"] = {};
  const {
    timeout,
    activity_kept_days,
    phone: { wait, idle_minutes, ...phone },
    ...rest
  } = form;
  const shortcuts = { ...form.shortcuts };
  for (const field of SHORTCUT_FIELDS) {
    const typed = form.shortcuts[field];
    if (typed === saved.shortcuts[field]) continue;
    const refusal = refused[field];
    const parsed = parseShortcut(typed);
    const problem =
      refusal !== undefined && refusal.key === typed
        ? refusal.problem
        : parsed.ok
          ? null
          : parsed.problem;
    if (problem !== null) {
      problems[field] = problem;
      shortcuts[field] = saved.shortcuts[field];
    }
  }
  // The backend takes no key twice. A changed key another already uses is left out; that
  // can put a saved key back where it now clashes with another change, so go again.
  for (;;) {
    const clashes = SHORTCUT_FIELDS.flatMap((field) => {
      if (shortcuts[field] === saved.shortcuts[field]) return [];
      const other = SHORTCUT_FIELDS.find(
        (candidate) => candidate !== field && sameShortcut(shortcuts[candidate], shortcuts[field]),
      );
      return other === undefined ? [] : [{ field, other }];
    });
    if (clashes.length === 0) break;
    for (const { field, other } of clashes) {
      const shown = displayShortcut(form.shortcuts[field]);
      problems[field] =
        shortcuts[other] === saved.shortcuts[other]
          ? `${shown} is already the ${SHORTCUT_NAME[other]}.`
          : `${shown} is also your new ${SHORTCUT_NAME[other]}: each key must be different.`;
    }
    for (const { field } of clashes) shortcuts[field] = saved.shortcuts[field];
  }
  // A saved time stays as it is, as a saved key does: only a changed one is checked.
  const sounds = { ...form.sounds };
  for (const field of QUIET_TIME_FIELDS) {
    if (sounds[field] === saved.sounds[field]) continue;
    const problem = quietTimeProblem(field, sounds[field]);
    if (problem !== null) {
      problems[field] = problem;
      sounds[field] = saved.sounds[field];
    }
  }
  const timeoutIssue = timeoutProblem(timeout);
  if (timeoutIssue !== null) problems.timeout = timeoutIssue;
  const daysIssue = keptDaysProblem(activity_kept_days);
  if (daysIssue !== null) problems.activity_kept_days = daysIssue;
  const waitIssue = timeoutProblem(wait, PHONE_WAIT_LIMIT);
  if (waitIssue !== null) problems.phone_wait = waitIssue;
  const idleIssue = idleMinutesProblem(idle_minutes);
  if (idleIssue !== null) problems.phone_idle = idleIssue;
  return {
    settings: {
      ...structuredClone(rest),
      shortcuts,
      sounds,
      default_timeout_secs: timeoutSeconds(timeout) ?? saved.default_timeout_secs,
      activity_kept_days: keptDays(activity_kept_days) ?? saved.activity_kept_days,
      phone: {
        ...phone,
        unanswered_secs:
          timeoutSeconds(wait, PHONE_WAIT_LIMIT) ?? saved.phone.unanswered_secs,
        idle_minutes: idleMinutes(idle_minutes) ?? saved.phone.idle_minutes,
      },
    },
    problems,
  };
}

/** The backend refuses a longer list of refused hosts. */
export const MAX_REFUSED_HOSTS = 100;

/** The backend's limit, in UTF-8 bytes. */
const MAX_HOST_BYTES = 255;

/** What the backend's `char::is_whitespace` and `char::is_control` reject. */
const NOT_IN_A_HOST = /[\p{White_Space}\p{Cc}]/u;

/** Lowercases ASCII only, as the backend compares hosts. */
function asciiLower(text: string): string {
  return text.replace(/[A-Z]/g, (letter) => letter.toLowerCase());
}

/**
 * Why `host` (already trimmed) cannot join the refused `hosts`; null when it can. Checks what
 * the backend checks, so a list built here is never refused on save.
 */
export function refusedHostProblem(host: string, hosts: readonly string[]): string | null {
  if (host === "") return "Type the host’s name first.";
  if (NOT_IN_A_HOST.test(host)) return "A host name is one word, as you type it after ssh.";
  if (new TextEncoder().encode(host).length > MAX_HOST_BYTES) {
    return "That is too long for a host name.";
  }
  const same = hosts.find((refused) => asciiLower(refused) === asciiLower(host));
  if (same !== undefined) return `${same} is already in the list.`;
  if (hosts.length >= MAX_REFUSED_HOSTS) {
    return `At most ${MAX_REFUSED_HOSTS} hosts can be refused.`;
  }
  return null;
}

/** Deep equality of JSON values, so fields added to `Settings` later are compared too. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const aKeys = Object.keys(a);
  const bKeys = Object.keys(b);
  if (aKeys.length !== bKeys.length) return false;
  return aKeys.every(
    (key) =>
      Object.hasOwn(b, key) &&
      sameJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]),
  );
}
