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
