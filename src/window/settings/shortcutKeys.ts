/**
 * Global shortcuts as the backend takes them. The backend hands each key to the
 * global-shortcut plugin, which parses it as global-hotkey 0.8 does (`parse_hotkey`):
 * modifiers joined by "+" and then exactly one key, each part trimmed, case ignored. This
 * page checks the same, so a key typed wrong is explained beside its field instead of
 * refusing the whole save; only what the system itself refuses (a key another program
 * holds) is left for the backend to say.
 */

import type { ShortcutRefused } from "../../lib/bindings/ShortcutRefused";
import type { ShortcutSettings } from "../../lib/bindings/ShortcutSettings";

export type ShortcutField = "toggle_popover" | "go_to_terminal" | "approve" | "deny";

/** In the order the backend registers them. */
export const SHORTCUT_FIELDS: readonly ShortcutField[] = [
  "toggle_popover",
  "go_to_terminal",
  "approve",
  "deny",
];

/** The keys registered only while the decision keys are on. */
const DECISION_FIELDS: ReadonlySet<ShortcutField> = new Set(["approve", "deny"]);

/** How messages name each key: “… is already the approve key”. */
export const SHORTCUT_NAME: Record<ShortcutField, string> = {
  toggle_popover: "open or close key",
  go_to_terminal: "go to terminal key",
  approve: "approve key",
  deny: "deny key",
};

type Modifier = "ctrl" | "alt" | "shift" | "super";

/**
 * The modifiers, by their spelling in capitals. `meta` is not one to global-hotkey 0.8 but is
 * to the desktop portal; the page lets it through and leaves the answer to the backend.
 */
const MODIFIERS: ReadonlyMap<string, Modifier> = new Map([
  ["CTRL", "ctrl"],
  ["CONTROL", "ctrl"],
  ["COMMANDORCONTROL", "ctrl"],
  ["COMMANDORCTRL", "ctrl"],
  ["CMDORCTRL", "ctrl"],
  ["CMDORCONTROL", "ctrl"],
  ["ALT", "alt"],
  ["OPTION", "alt"],
  ["SHIFT", "shift"],
  ["SUPER", "super"],
  ["COMMAND", "super"],
  ["CMD", "super"],
  ["META", "super"],
]);

/** Every key global-hotkey 0.8 knows, by its spellings in capitals, to its code. */
const KEYS: ReadonlyMap<string, string> = (() => {
  const keys = new Map<string, string>();
  const add = (code: string, ...spellings: string[]) => {
    for (const spelling of [code.toUpperCase(), ...spellings]) keys.set(spelling, code);
  };
  for (const letter of "ABCDEFGHIJKLMNOPQRSTUVWXYZ") add(`Key${letter}`, letter);
  for (let digit = 0; digit <= 9; digit++) {
    add(`Digit${digit}`, `${digit}`);
    add(`Numpad${digit}`, `NUM${digit}`);
  }
  for (let number = 1; number <= 24; number++) add(`F${number}`);
  add("Backquote", "`");
  add("Backslash", "\\");
  add("BracketLeft", "[");
  add("BracketRight", "]");
  add("Pause", "PAUSEBREAK");
  add("Comma", ",");
  add("Equal", "=");
  add("Minus", "-");
  add("Period", ".");
  add("Quote", "'");
  add("Semicolon", ";");
  add("Slash", "/");
  add("Backspace");
  add("CapsLock");
  add("Enter");
  add("Space");
  add("Tab");
  add("Delete");
  add("End");
  add("Home");
  add("Insert");
  add("PageDown");
  add("PageUp");
  add("PrintScreen");
  add("ScrollLock");
  add("ArrowDown", "DOWN");
  add("ArrowLeft", "LEFT");
  add("ArrowRight", "RIGHT");
  add("ArrowUp", "UP");
  add("NumLock");
  add("NumpadAdd", "NUMADD", "NUMPADPLUS", "NUMPLUS");
  add("NumpadDecimal", "NUMDECIMAL");
  add("NumpadDivide", "NUMDIVIDE");
  add("NumpadEnter", "NUMENTER");
  add("NumpadEqual", "NUMEQUAL");
  add("NumpadMultiply", "NUMMULTIPLY");
  add("NumpadSubtract", "NUMSUBTRACT");
  add("Escape", "ESC");
  add("AudioVolumeDown", "VOLUMEDOWN");
  add("AudioVolumeUp", "VOLUMEUP");
  add("AudioVolumeMute", "VOLUMEMUTE");
  add("MediaPlay");
  add("MediaPause");
  add("MediaPlayPause");
  add("MediaStop");
  add("MediaTrackNext");
  add("MediaTrackPrevious", "MEDIATRACKPREV");
  return keys;
})();

const EXAMPLE = "for example ctrl+alt+shift+a";

export type ParsedShortcut =
  /** `same`: one spelling for every way of writing the same keys, to compare them. */
  | { ok: true; same: string }
  /** `problem`: what is wrong, in the person's words. */
  | { ok: false; problem: string };

function notAKey(token: string): string {
  return `“${token}” is not a key a shortcut can use: use a letter, a digit or F1–F24.`;
}

/** Reads a shortcut as the backend would, and says what is wrong with it if anything. */
export function parseShortcut(text: string): ParsedShortcut {
  if (text.trim() === "") return { ok: false, problem: `Type a shortcut, ${EXAMPLE}.` };
  const modifiers = new Set<Modifier>();
  let key: { code: string; token: string } | null = null;
  for (const raw of text.split("+")) {
    const token = raw.trim();
    if (token === "") {
      return {
        ok: false,
        problem: `A “+” has nothing on one side: join the modifiers and one key, ${EXAMPLE}.`,
      };
    }
    const upper = token.toUpperCase();
    const modifier = MODIFIERS.get(upper);
    const code = KEYS.get(upper);
    if (modifier === undefined && code === undefined) return { ok: false, problem: notAKey(token) };
    if (key !== null) {
      return {
        ok: false,
        problem:
          modifier !== undefined
            ? `Put “${token}” before “${key.token}”: first the modifiers, then one key.`
            : `A shortcut has one key, not both “${key.token}” and “${token}”.`,
      };
    }
    if (modifier !== undefined) modifiers.add(modifier);
    else key = { code: code as string, token };
  }
  if (key === null) {
    return { ok: false, problem: `Add a key after the modifiers, ${EXAMPLE}.` };
  }
  if (modifiers.size === 0) {
    return {
      ok: false,
      problem: `Add a modifier such as Ctrl or Alt before “${key.token}”: alone, the key would stop working in every other program.`,
    };
  }
  const same = [...[...modifiers].sort(), key.code].join("+");
  return { ok: true, same };
}

/** Whether two shortcuts are the same keys, however each is written. */
export function sameShortcut(a: string, b: string): boolean {
  const first = parseShortcut(a);
  const second = parseShortcut(b);
  if (first.ok && second.ok) return first.same === second.same;
  // As the backend compares them.
  const normalized = (key: string) => key.toLowerCase().replaceAll(" ", "");
  return normalized(a) === normalized(b);
}

/** `ctrl+alt+shift+a` → `Ctrl+Alt+Shift+A`, as the backend names keys in its messages. */
export function displayShortcut(key: string): string {
  return key
    .split("+")
    .map((part) => {
      const [first = "", ...rest] = part.trim();
      return first.toUpperCase() + rest.join("");
    })
    .join("+");
}

/** The backend could not register one key: which one, and why in its own words. */
export type KeyRefusal = { field: ShortcutField; reason: string };

/**
 * Which of the keys `sent` the backend refused, from the refusal it rejected the save with
 * (src/lib/errors.ts `refusedShortcut`): the key comes back as it was sent.
 */
export function refusedKey(
  refused: ShortcutRefused | null,
  sent: ShortcutSettings,
): KeyRefusal | null {
  if (refused === null) return null;
  for (const field of SHORTCUT_FIELDS) {
    if (DECISION_FIELDS.has(field) && !sent.decision_keys) continue;
    if (sent[field] === refused.key) return { field, reason: refused.reason };
  }
  return null;
}

/** The backend's refusal of `key`, in the person's words. */
export function refusalProblem(key: string, reason: string): string {
  const shown = displayShortcut(key);
  if (/already (registered|taken|in use|grabbed)|BadAccess/i.test(reason)) {
    return `Your desktop or another program already uses ${shown}: choose another key.`;
  }
  if (/couldn't recognize|invalid hotkey format|empty token|scancode|keycode/i.test(reason)) {
    return `This system has no key it can use for ${shown}: choose another key.`;
  }
  return `The system would not take ${shown} as a shortcut (${reason}): choose another key.`;
}
