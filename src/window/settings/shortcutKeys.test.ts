import { describe, expect, it } from "vitest";
import {
  displayShortcut,
  parseShortcut,
  refusalProblem,
  refusedKey,
  sameShortcut,
} from "./shortcutKeys";

const KEYS = {
  toggle_popover: "ctrl+alt+shift+c",
  approve: "ctrl+alt+shift+y",
  deny: "ctrl+alt+shift+d",
  go_to_terminal: "ctrl+alt+shift+t",
  decision_keys: true,
};

function problem(text: string): string | null {
  const parsed = parseShortcut(text);
  return parsed.ok ? null : parsed.problem;
}

describe("shortcut keys", () => {
  it("takes what the global-shortcut plugin parses", () => {
    for (const key of [
      "ctrl+alt+shift+a",
      "Ctrl+Alt+Shift+A",
      "control + option + KeyZ",
      "super+F24",
      "cmd+shift+7",
      "commandorcontrol+Digit0",
      "meta+space",
      "alt+Enter",
      "ctrl+Tab",
      "ctrl+Esc",
      "shift+ArrowUp",
      "ctrl+left",
      "ctrl+PageDown",
      "ctrl+Home",
      "ctrl+Insert",
      "ctrl+Delete",
      "ctrl+Backspace",
      "ctrl+/",
      "ctrl+num5",
      "ctrl+MediaPlayPause",
    ]) {
      expect(problem(key), key).toBeNull();
    }
  });

  it("says what is wrong with what it does not", () => {
    expect(problem("ctrl+alt+shift+ä")).toBe(
      "“ä” is not a key a shortcut can use: use a letter, a digit or F1–F24.",
    );
    expect(problem("ctrl+banana")).toBe(
      "“banana” is not a key a shortcut can use: use a letter, a digit or F1–F24.",
    );
    expect(problem("ctrl+F25")).toMatch(/^“F25” is not a key/);
    expect(problem("a")).toMatch(/^Add a modifier such as Ctrl or Alt before “a”/);
    expect(problem("ctrl")).toMatch(/^Add a key after the modifiers/);
    expect(problem("ctrl++a")).toMatch(/^A “\+” has nothing on one side/);
    expect(problem("ctrl+a+shift")).toBe(
      "Put “shift” before “a”: first the modifiers, then one key.",
    );
    expect(problem("  ")).toBe("Type a shortcut, for example ctrl+alt+shift+a.");
  });

  it("knows the same keys however they are written", () => {
    expect(sameShortcut("ctrl+alt+a", "Alt + Control + KeyA")).toBe(true);
    expect(sameShortcut("cmdorctrl+1", "ctrl+digit1")).toBe(true);
    expect(sameShortcut("ctrl+alt+a", "ctrl+alt+b")).toBe(false);
    expect(sameShortcut("ctrl+alt+a", "ctrl+shift+a")).toBe(false);
  });

  it("names keys as the backend does", () => {
    expect(displayShortcut("ctrl+alt+shift+y")).toBe("Ctrl+Alt+Shift+Y");
    expect(displayShortcut("ctrl + alt+ä")).toBe("Ctrl+Alt+Ä");
  });

  it("finds the key a refusal is about", () => {
    const refused = (key: string, reason: string) => ({ key, reason });
    expect(refusedKey(refused("ctrl+alt+shift+y", "HotKey already registered"), KEYS)).toEqual({
      field: "approve",
      reason: "HotKey already registered",
    });
    // Another error (the file could not be written) is about no key.
    expect(refusedKey(null, KEYS)).toBeNull();
    // Approve and deny are not registered while the decision keys are off.
    expect(
      refusedKey(refused("ctrl+alt+shift+y", "taken"), { ...KEYS, decision_keys: false }),
    ).toBeNull();
    // The go to terminal key is, as the open or close key is.
    expect(
      refusedKey(refused("ctrl+alt+shift+t", "taken"), { ...KEYS, decision_keys: false }),
    ).toEqual({ field: "go_to_terminal", reason: "taken" });
  });

  it("says a refusal in the person's words", () => {
    expect(refusalProblem("ctrl+alt+y", "HotKey already registered: HotKey { id: 3 }")).toBe(
      "Your desktop or another program already uses Ctrl+Alt+Y: choose another key.",
    );
    expect(refusalProblem("ctrl+meta+y", "Couldn't recognize \"meta\" as a valid key")).toBe(
      "This system has no key it can use for Ctrl+Meta+Y: choose another key.",
    );
    expect(refusalProblem("ctrl+alt+y", "Unable to register hotkey: X11 gone")).toBe(
      "The system would not take Ctrl+Alt+Y as a shortcut (Unable to register hotkey: X11 gone): choose another key.",
    );
  });
});
