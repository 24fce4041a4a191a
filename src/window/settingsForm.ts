import type { Settings } from "../lib/bindings/Settings";

export type TimeUnit = "seconds" | "minutes";

export const SECONDS_PER: Record<TimeUnit, number> = { seconds: 1, minutes: 60 };

/** The backend refuses a default timeout outside 1 second to 7 days. */
export const MAX_TIMEOUT_SECS = 7 * 24 * 3600;

export type TimeoutInput = {
  /** What the number field holds; null while it is empty or not a number. */
  amount: number | null;
  unit: TimeUnit;
};

/** Settings as the form edits them: the default timeout as an amount in a unit. */
export type SettingsForm = Omit<Settings, "default_timeout_secs"> & { timeout: TimeoutInput };

export function toForm(settings: Settings): SettingsForm {
  const { default_timeout_secs: seconds, ...rest } = settings;
  const unit: TimeUnit = seconds % 60 === 0 ? "minutes" : "seconds";
  return { ...structuredClone(rest), timeout: { amount: seconds / SECONDS_PER[unit], unit } };
}

/** The timeout in whole seconds; null when it is not one the backend would accept. */
export function timeoutSeconds({ amount, unit }: TimeoutInput): number | null {
  if (amount === null || !Number.isFinite(amount)) return null;
  const seconds = amount * SECONDS_PER[unit];
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_TIMEOUT_SECS) return null;
  return seconds;
}

/** The settings the form describes; null while its timeout is not valid. */
export function fromForm(form: SettingsForm): Settings | null {
  const { timeout, ...rest } = form;
  const seconds = timeoutSeconds(timeout);
  if (seconds === null) return null;
  return { ...structuredClone(rest), default_timeout_secs: seconds };
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
