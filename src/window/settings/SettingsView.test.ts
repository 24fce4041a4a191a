import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Settings } from "../../lib/bindings/Settings";
import type { RemoteRefusal } from "../../lib/bindings/RemoteRefusal";
import type { PhoneStatus } from "../../lib/bindings/PhoneStatus";
import {
  phoneStatus,
  remoteRefusals,
  settingsGet,
  settingsSet,
  shortcutsStatus,
} from "../../lib/bindings/commands";
import { onPhoneChanged, onRemoteRefused, onSettingsChanged } from "../../lib/bridge";
import { makeSettings } from "../../test/fixtures";
import { displayShortcut } from "./shortcutKeys";
import SettingsView from "./SettingsView.svelte";

vi.mock("../../lib/bindings/commands", () => ({
  settingsGet: vi.fn(),
  settingsSet: vi.fn(),
  shortcutsStatus: vi.fn(),
  remoteRefusals: vi.fn(),
  phoneStatus: vi.fn(),
  phoneSetUp: vi.fn(),
  phoneVerify: vi.fn(),
  phoneConfirm: vi.fn(),
  phoneTurnOff: vi.fn(),
}));

vi.mock("../../lib/bridge", () => ({
  onSettingsChanged: vi.fn(),
  onRemoteRefused: vi.fn(),
  onPhoneChanged: vi.fn(),
}));

const PHONE_OFF: PhoneStatus = {
  state: "off",
  account: null,
  device: null,
  person: null,
  keys: null,
  emojis: [],
  note: null,
};

const PHONE_READY: PhoneStatus = {
  state: "ready",
  account: "@tray:example.org",
  device: "TRAYDEVICE",
  person: "@you:example.org",
  keys: "keyring",
  emojis: [],
  note: null,
};

let pushChange: (settings: Settings) => void;
let pushRefusals: (refusals: RemoteRefusal[]) => void;

beforeEach(() => {
  vi.mocked(shortcutsStatus).mockResolvedValue({
    through: "x11_keys",
    note: "Registered as X11 keys: they work whichever window has focus.",
  });
  vi.mocked(remoteRefusals).mockResolvedValue([]);
  vi.mocked(onRemoteRefused).mockImplementation(async (onChange) => {
    pushRefusals = onChange;
    return () => {};
  });
  vi.mocked(settingsGet).mockResolvedValue(makeSettings());
  vi.mocked(settingsSet).mockImplementation(async (settings) => settings);
  vi.mocked(onSettingsChanged).mockImplementation(async (onChange) => {
    pushChange = onChange;
    return () => {};
  });
  vi.mocked(phoneStatus).mockResolvedValue(PHONE_OFF);
  vi.mocked(onPhoneChanged).mockResolvedValue(() => {});
});

afterEach(() => {
  vi.resetAllMocks();
});

async function showSettings() {
  render(SettingsView);
  await screen.findByRole("form", { name: "Settings" });
  return userEvent.setup();
}

/** What `settings_set` rejects with when the system refuses a key (src-tauri/src/error.rs). */
function shortcutRefused(key: string, reason: string) {
  return {
    message: `${displayShortcut(key)} could not be registered: ${reason}`,
    refused_shortcut: { key, reason },
  };
}

function field(name: string | RegExp) {
  return screen.getByLabelText(name) as HTMLInputElement;
}

/** A field of one section, by its label: the notifications and the sounds share some. */
function fieldIn(section: string, name: string | RegExp) {
  const group = screen.getByRole("group", { name: section });
  return within(group).getByLabelText(name) as HTMLInputElement;
}

function saveButton() {
  return screen.getByRole("button", { name: "Save" });
}

function follows(first: Node, second: Node): boolean {
  return (first.compareDocumentPosition(second) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0;
}

/**
 * The message tied to `input` (aria-invalid, and first in its aria-describedby), checked to
 * sit beside it: after it, with no other text box or check box in between. Null when the
 * field is not marked invalid.
 */
function problemBeside(input: HTMLElement): string | null {
  if (input.getAttribute("aria-invalid") !== "true") return null;
  const id = input.getAttribute("aria-describedby")?.split(" ")[0] ?? "";
  const message = document.getElementById(id);
  if (message === null) throw new Error(`no message ${id} for ${input.id}`);
  expect(follows(input, message)).toBe(true);
  const between = [...document.querySelectorAll("input")].filter(
    (other) => follows(input, other) && follows(other, message),
  );
  expect(between).toEqual([]);
  return message.textContent?.replace(/\s+/g, " ").trim() ?? "";
}

describe("Settings", () => {
  it("shows the current settings", async () => {
    vi.mocked(settingsGet).mockResolvedValue(
      makeSettings({
        default_timeout_secs: 90,
        default_on_timeout: "fallback",
        notifications: { approvals: true, agent_finished: false, agent_failed: true },
        start_at_login: true,
      }),
    );
    await showSettings();

    expect(field("Open or close the popover").value).toBe("ctrl+alt+shift+c");
    expect(field("Approve").value).toBe("ctrl+alt+shift+a");
    expect(field("Deny").value).toBe("ctrl+alt+shift+d");
    expect(field("Approve").getAttribute("aria-describedby")).toBe("shortcut-format");
    expect(field("Wait for a decision for").value).toBe("90");
    expect(field("Unit of the default timeout").value).toBe("seconds");
    expect(field("If nobody decides in time").value).toBe("fallback");
    expect(field("A request needs approval").checked).toBe(true);
    expect(fieldIn("Notifications", "An agent finished").checked).toBe(false);
    expect(field("An agent failed").checked).toBe(true);
    expect(field("Start at login").checked).toBe(true);
    expect(saveButton().getAttribute("aria-disabled")).toBe("true");
  });

  it("turns the global approve and deny keys off", async () => {
    const user = await showSettings();
    const decisionKeys = field("Approve and deny with global keys");

    expect(decisionKeys.checked).toBe(true);
    expect(decisionKeys.getAttribute("aria-describedby")).toBe("decision-keys-note");
    expect(screen.getByText(/any program you run can press these keys/)).toBeTruthy();
    expect(field("Approve").disabled).toBe(false);
    expect(field("Deny").disabled).toBe(false);

    await user.click(decisionKeys);

    expect(decisionKeys.checked).toBe(false);
    expect(field("Approve").disabled).toBe(true);
    expect(field("Deny").disabled).toBe(true);
    expect(field("Open or close the popover").disabled).toBe(false);

    await user.click(saveButton());

    expect(settingsSet).toHaveBeenCalledExactlyOnceWith(
      makeSettings({
        shortcuts: {
          toggle_popover: "ctrl+alt+shift+c",
          approve: "ctrl+alt+shift+a",
          deny: "ctrl+alt+shift+d",
          go_to_terminal: "ctrl+alt+shift+t",
          decision_keys: false,
        },
      }),
    );
    await waitFor(() => expect(screen.getByRole("status").textContent).toBe("Saved"));
    expect(field("Approve and deny with global keys").checked).toBe(false);
    expect(field("Approve").disabled).toBe(true);
  });

  it("shows the approve and deny keys disabled when they are off", async () => {
    vi.mocked(settingsGet).mockResolvedValue(
      makeSettings({
        shortcuts: {
          toggle_popover: "ctrl+alt+shift+c",
          approve: "ctrl+alt+shift+a",
          deny: "ctrl+alt+shift+d",
          go_to_terminal: "ctrl+alt+shift+t",
          decision_keys: false,
        },
      }),
    );
    await showSettings();

    expect(field("Approve and deny with global keys").checked).toBe(false);
    expect(field("Approve").disabled).toBe(true);
    expect(field("Deny").disabled).toBe(true);
    expect(field("Approve").value).toBe("ctrl+alt+shift+a");
  });

  it("saves the edited settings and says so", async () => {
    const user = await showSettings();

    await user.clear(field("Approve"));
    await user.type(field("Approve"), "ctrl+alt+y");
    await user.clear(field("Wait for a decision for"));
    await user.type(field("Wait for a decision for"), "45");
    await user.selectOptions(field("Unit of the default timeout"), "seconds");
    await user.selectOptions(field("If nobody decides in time"), "fallback");
    await user.click(fieldIn("Notifications", "An agent finished"));
    await user.click(field("Start at login"));
    await user.click(saveButton());

    expect(settingsSet).toHaveBeenCalledExactlyOnceWith(
      makeSettings({
        shortcuts: {
          toggle_popover: "ctrl+alt+shift+c",
          approve: "ctrl+alt+y",
          deny: "ctrl+alt+shift+d",
          go_to_terminal: "ctrl+alt+shift+t",
          decision_keys: true,
        },
        default_timeout_secs: 45,
        default_on_timeout: "fallback",
        notifications: { approvals: true, agent_finished: false, agent_failed: true },
        start_at_login: true,
      }),
    );
    await waitFor(() => expect(screen.getByRole("status").textContent).toBe("Saved"));
    expect(saveButton().getAttribute("aria-disabled")).toBe("true");
  });

  it("shows the settings as the backend applied them", async () => {
    vi.mocked(settingsSet).mockResolvedValue(makeSettings({ start_at_login: false }));
    const user = await showSettings();

    await user.click(field("Start at login"));
    await user.click(saveButton());

    await waitFor(() => expect(screen.getByRole("status").textContent).toBe("Saved"));
    expect(field("Start at login").checked).toBe(false);
  });

  it("shows the backend's refusal of a key beside it and keeps the edits", async () => {
    vi.mocked(settingsSet).mockRejectedValue(
      shortcutRefused("ctrl+alt+y", "already taken by another application"),
    );
    const user = await showSettings();

    await user.clear(field("Approve"));
    await user.type(field("Approve"), "ctrl+alt+y");
    await user.click(saveButton());

    await waitFor(() =>
      expect(problemBeside(field("Approve"))).toBe(
        "Not saved: Your desktop or another program already uses Ctrl+Alt+Y: choose another key.",
      ),
    );
    // Nothing else was changed, so there was nothing else to save.
    expect(settingsSet).toHaveBeenCalledOnce();
    expect(screen.queryByRole("alert")).toBeNull();
    expect(field("Approve").value).toBe("ctrl+alt+y");
    expect(screen.getByRole("status").textContent).toBe(
      "Nothing saved: fix the approve key first.",
    );
    expect(saveButton().getAttribute("aria-disabled")).toBe("false");
    expect(document.activeElement).toBe(field("Approve"));
  });

  it("shows any other refusal by the backend by the Save button and keeps the edits", async () => {
    const scrollIntoView = vi.fn();
    Element.prototype.scrollIntoView = scrollIntoView;
    vi.mocked(settingsSet).mockRejectedValue(
      "cannot write the settings to /home/me/.config/settings.json: No space left on device",
    );
    const user = await showSettings();

    await user.clear(field("Approve"));
    await user.type(field("Approve"), "ctrl+alt+y");
    await user.click(saveButton());

    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toBe(
      "cannot write the settings to /home/me/.config/settings.json: No space left on device",
    );
    // Beside the button that caused it, and brought into view.
    expect(alert.previousElementSibling?.contains(saveButton())).toBe(true);
    await waitFor(() => expect(scrollIntoView.mock.contexts).toContain(alert));
    expect(field("Approve").value).toBe("ctrl+alt+y");
    expect(field("Approve").getAttribute("aria-invalid")).toBe("false");
    expect(screen.getByRole("status").textContent).toBe("");
    expect(saveButton().getAttribute("aria-disabled")).toBe("false");
    delete (Element.prototype as Partial<Element>).scrollIntoView;
  });

  it("sends nothing while nothing changed", async () => {
    const user = await showSettings();

    await user.click(saveButton());

    expect(settingsSet).not.toHaveBeenCalled();
  });

  it("does not send a timeout outside 1 second to 7 days", async () => {
    const user = await showSettings();

    await user.clear(field("Wait for a decision for"));
    await user.type(field("Wait for a decision for"), "10081");
    await user.click(saveButton());

    expect(settingsSet).not.toHaveBeenCalled();
    expect(field("Wait for a decision for").getAttribute("aria-invalid")).toBe("true");
    // The field is in minutes, and so is what it says.
    expect(problemBeside(field("Wait for a decision for"))).toBe(
      "Not saved: Use a number of minutes, from 1 minute to 7 days (10,080 minutes).",
    );
  });

  it("follows changes made elsewhere while nothing is edited", async () => {
    await showSettings();

    pushChange(makeSettings({ start_at_login: true }));

    await waitFor(() => expect(field("Start at login").checked).toBe(true));
  });

  it("keeps unsaved edits when the settings change elsewhere", async () => {
    const user = await showSettings();
    await user.click(field("An agent failed"));

    pushChange(makeSettings({ start_at_login: true }));
    await Promise.resolve();

    expect(field("An agent failed").checked).toBe(false);
    expect(field("Start at login").checked).toBe(false);
  });

  it("says when the settings cannot be loaded", async () => {
    vi.mocked(settingsGet).mockRejectedValue("no config directory");
    render(SettingsView);

    expect((await screen.findByRole("alert")).textContent).toBe(
      "Could not load the settings: no config directory",
    );
  });
});

describe("what is wrong with a field", () => {
  const SAVED_KEYS = makeSettings().shortcuts;

  async function retype(user: ReturnType<typeof userEvent.setup>, name: string, text: string) {
    await user.clear(field(name));
    // user-event reads "[" and "{" as keys to press.
    await user.type(field(name), text.replace(/[[{]/g, (bracket) => bracket + bracket));
  }

  it("says beside a key that is not one, and still saves the other changes", async () => {
    const user = await showSettings();

    await retype(user, "Approve", "ctrl+alt+shift+ä");
    await retype(user, "Deny", "ctrl+alt+shift+x");
    await user.click(field("Start at login"));
    await user.click(saveButton());

    expect(settingsSet).toHaveBeenCalledExactlyOnceWith(
      makeSettings({
        shortcuts: { ...SAVED_KEYS, deny: "ctrl+alt+shift+x" },
        start_at_login: true,
      }),
    );
    await waitFor(() =>
      expect(screen.getByRole("status").textContent).toBe("Saved, except the approve key."),
    );
    expect(problemBeside(field("Approve"))).toBe(
      "Not saved: “ä” is not a key a shortcut can use: use a letter, a digit or F1–F24.",
    );
    // What the person typed stays, to be fixed; the rest shows as saved.
    expect(field("Approve").value).toBe("ctrl+alt+shift+ä");
    expect(field("Deny").value).toBe("ctrl+alt+shift+x");
    expect(problemBeside(field("Deny"))).toBeNull();
    expect(field("Start at login").checked).toBe(true);
    expect(document.activeElement).toBe(field("Approve"));
    expect(screen.queryByRole("alert")).toBeNull();

    await retype(user, "Approve", "ctrl+alt+shift+e");

    expect(problemBeside(field("Approve"))).toBeNull();
    expect(screen.getByRole("status").textContent).toBe("");

    await user.click(saveButton());

    expect(settingsSet).toHaveBeenLastCalledWith(
      makeSettings({
        shortcuts: { ...SAVED_KEYS, approve: "ctrl+alt+shift+e", deny: "ctrl+alt+shift+x" },
        start_at_login: true,
      }),
    );
    await waitFor(() => expect(screen.getByRole("status").textContent).toBe("Saved"));
  });

  it("says what is wrong once the person leaves the field, before any Save", async () => {
    const user = await showSettings();

    await retype(user, "Open or close the popover", "ctrl+banana");

    // Not while it is still being typed.
    expect(problemBeside(field("Open or close the popover"))).toBeNull();

    await user.tab();

    expect(problemBeside(field("Open or close the popover"))).toBe(
      "“banana” is not a key a shortcut can use: use a letter, a digit or F1–F24.",
    );
    expect(field("Open or close the popover").getAttribute("aria-describedby")).toBe(
      "shortcut-toggle-popover-problem shortcut-format",
    );

    await retype(user, "Open or close the popover", "ctrl+b");

    expect(problemBeside(field("Open or close the popover"))).toBeNull();
    expect(field("Open or close the popover").getAttribute("aria-describedby")).toBe(
      "shortcut-format",
    );
    expect(settingsSet).not.toHaveBeenCalled();
  });

  it.each([
    ["ctrl+alt+shift+a", "Ctrl+Alt+Shift+A is already the approve key."],
    // However it is written, it is the same keys.
    ["Shift + Control+Alt+KeyA", "Shift+Control+Alt+KeyA is already the approve key."],
    ["f5", "Add a modifier such as Ctrl or Alt before “f5”"],
    ["ctrl+alt+", "A “+” has nothing on one side"],
    ["ctrl+alt", "Add a key after the modifiers"],
    ["ctrl+a+shift", "Put “shift” before “a”"],
    ["ctrl+a+b", "A shortcut has one key, not both “a” and “b”."],
    ["", "Type a shortcut, for example ctrl+alt+shift+a."],
  ])("explains %j for the deny key, and saves the rest", async (typed, problem) => {
    const user = await showSettings();

    await user.clear(field("Deny"));
    if (typed !== "") await user.type(field("Deny"), typed);
    await user.click(field("An agent failed"));
    await user.click(saveButton());

    expect(settingsSet).toHaveBeenCalledExactlyOnceWith(
      makeSettings({
        notifications: { approvals: true, agent_finished: true, agent_failed: false },
      }),
    );
    await waitFor(() => expect(problemBeside(field("Deny"))).toContain(problem));
    expect(problemBeside(field("Deny"))).toMatch(/^Not saved: /);
    expect(field("Deny").value).toBe(typed);
  });

  it("takes every key the backend takes", async () => {
    const user = await showSettings();

    await retype(user, "Open or close the popover", "super+F24");
    await retype(user, "Approve", "Ctrl+Shift+PageDown");
    await retype(user, "Deny", "cmdorctrl+[");
    await user.click(saveButton());

    expect(settingsSet).toHaveBeenCalledExactlyOnceWith(
      makeSettings({
        shortcuts: {
          toggle_popover: "super+F24",
          approve: "Ctrl+Shift+PageDown",
          deny: "cmdorctrl+[",
          go_to_terminal: "ctrl+alt+shift+t",
          decision_keys: true,
        },
      }),
    );
    await waitFor(() => expect(screen.getByRole("status").textContent).toBe("Saved"));
  });

  it("shows the go to terminal key with what it does, and saves it", async () => {
    const user = await showSettings();

    const key = field("Go to terminal");
    expect(key.value).toBe("ctrl+alt+shift+t");
    const hint = document.getElementById(key.getAttribute("aria-describedby")!.split(" ")[0]!);
    expect(hint?.textContent?.trim()).toBe("Goes to the terminal of the agent that asked last.");

    // A global key of its own, whether or not approve and deny are.
    await user.click(field("Approve and deny with global keys"));
    expect(field("Go to terminal").disabled).toBe(false);
    await retype(user, "Go to terminal", "super+t");
    await user.click(saveButton());

    expect(settingsSet).toHaveBeenCalledExactlyOnceWith(
      makeSettings({
        shortcuts: { ...SAVED_KEYS, go_to_terminal: "super+t", decision_keys: false },
      }),
    );
    await waitFor(() => expect(screen.getByRole("status").textContent).toBe("Saved"));
  });

  it("refuses a go to terminal key another key has, and saves the rest", async () => {
    const user = await showSettings();

    await retype(user, "Go to terminal", "ctrl+alt+shift+a");
    await user.click(field("Start at login"));
    await user.click(saveButton());

    expect(settingsSet).toHaveBeenCalledExactlyOnceWith(makeSettings({ start_at_login: true }));
    await waitFor(() =>
      expect(screen.getByRole("status").textContent).toBe("Saved, except the go to terminal key."),
    );
    expect(problemBeside(field("Go to terminal"))).toBe(
      "Not saved: Ctrl+Alt+Shift+A is already the approve key.",
    );
    expect(field("Go to terminal").value).toBe("ctrl+alt+shift+a");
    expect(document.activeElement).toBe(field("Go to terminal"));
  });

  it("saves keys swapped with one another", async () => {
    const user = await showSettings();

    await retype(user, "Approve", "ctrl+alt+shift+d");
    await retype(user, "Deny", "ctrl+alt+shift+a");

    expect(problemBeside(field("Approve"))).toBeNull();
    await user.click(saveButton());

    expect(settingsSet).toHaveBeenCalledExactlyOnceWith(
      makeSettings({
        shortcuts: { ...SAVED_KEYS, approve: "ctrl+alt+shift+d", deny: "ctrl+alt+shift+a" },
      }),
    );
  });

  it("saves the rest when the system refuses one key, and says why beside it", async () => {
    vi.mocked(settingsSet)
      .mockRejectedValueOnce(
        shortcutRefused(
          "ctrl+alt+shift+y",
          "HotKey already registered: HotKey { mods: Modifiers(SHIFT | CONTROL | ALT), key: KeyY, id: 3 }",
        ),
      )
      .mockImplementation(async (settings) => settings);
    const user = await showSettings();

    await retype(user, "Approve", "ctrl+alt+shift+y");
    await retype(user, "Wait for a decision for", "10");
    await user.click(field("Start at login"));
    await user.click(saveButton());

    await waitFor(() => expect(settingsSet).toHaveBeenCalledTimes(2));
    expect(settingsSet).toHaveBeenNthCalledWith(
      1,
      makeSettings({
        shortcuts: { ...SAVED_KEYS, approve: "ctrl+alt+shift+y" },
        default_timeout_secs: 600,
        start_at_login: true,
      }),
    );
    // Again, with the refused key as it was saved.
    expect(settingsSet).toHaveBeenNthCalledWith(
      2,
      makeSettings({ default_timeout_secs: 600, start_at_login: true }),
    );
    await waitFor(() =>
      expect(screen.getByRole("status").textContent).toBe("Saved, except the approve key."),
    );
    expect(problemBeside(field("Approve"))).toBe(
      "Not saved: Your desktop or another program already uses Ctrl+Alt+Shift+Y: choose another key.",
    );
    expect(field("Approve").value).toBe("ctrl+alt+shift+y");
    expect(field("Start at login").checked).toBe(true);
    expect(field("Wait for a decision for").value).toBe("10");
    expect(screen.queryByRole("alert")).toBeNull();

    await retype(user, "Approve", "ctrl+alt+shift+u");

    expect(problemBeside(field("Approve"))).toBeNull();

    await user.click(saveButton());

    expect(settingsSet).toHaveBeenLastCalledWith(
      makeSettings({
        shortcuts: { ...SAVED_KEYS, approve: "ctrl+alt+shift+u" },
        default_timeout_secs: 600,
        start_at_login: true,
      }),
    );
    await waitFor(() => expect(screen.getByRole("status").textContent).toBe("Saved"));
  });

  it("asks again at the next Save: whatever held the key may have let it go", async () => {
    vi.mocked(settingsSet)
      .mockRejectedValueOnce(shortcutRefused("ctrl+alt+y", "HotKey already registered"))
      .mockImplementation(async (settings) => settings);
    const user = await showSettings();

    await retype(user, "Approve", "ctrl+alt+y");
    await user.click(saveButton());

    await waitFor(() =>
      expect(problemBeside(field("Approve"))).toBe(
        "Not saved: Your desktop or another program already uses Ctrl+Alt+Y: choose another key.",
      ),
    );

    await user.click(saveButton());

    expect(settingsSet).toHaveBeenCalledTimes(2);
    expect(settingsSet).toHaveBeenLastCalledWith(
      makeSettings({ shortcuts: { ...SAVED_KEYS, approve: "ctrl+alt+y" } }),
    );
    await waitFor(() => expect(screen.getByRole("status").textContent).toBe("Saved"));
    expect(problemBeside(field("Approve"))).toBeNull();
  });

  it("says in plain words when the system refuses a key that was already saved", async () => {
    vi.mocked(settingsGet).mockResolvedValue(
      makeSettings({ shortcuts: { ...SAVED_KEYS, decision_keys: false } }),
    );
    vi.mocked(settingsSet).mockRejectedValue(
      shortcutRefused("ctrl+alt+shift+a", "HotKey already registered"),
    );
    const user = await showSettings();

    await user.click(field("Approve and deny with global keys"));
    await user.click(saveButton());

    expect((await screen.findByRole("alert")).textContent).toBe(
      "Nothing was saved. Your desktop or another program already uses Ctrl+Alt+Shift+A: choose another key.",
    );
    expect(settingsSet).toHaveBeenCalledOnce();
    expect(field("Approve and deny with global keys").checked).toBe(true);
  });

  it("says the timeout's limits in seconds when the unit is seconds", async () => {
    vi.mocked(settingsGet).mockResolvedValue(makeSettings({ default_timeout_secs: 90 }));
    const user = await showSettings();

    await user.clear(field("Wait for a decision for"));

    expect(problemBeside(field("Wait for a decision for"))).toBe(
      "Type a whole number of seconds, from 1 second to 7 days (604,800 seconds).",
    );

    await user.type(field("Wait for a decision for"), "0");

    expect(problemBeside(field("Wait for a decision for"))).toBe(
      "Use a whole number of seconds, from 1 second to 7 days (604,800 seconds).",
    );

    await user.selectOptions(field("Unit of the default timeout"), "minutes");

    expect(problemBeside(field("Wait for a decision for"))).toBe(
      "Use a number of minutes, from 1 minute to 7 days (10,080 minutes).",
    );
  });

  it("saves the rest and keeps the timeout typed when only the timeout is wrong", async () => {
    const user = await showSettings();

    await retype(user, "Wait for a decision for", "20000");
    await user.selectOptions(field("If nobody decides in time"), "fallback");
    await user.click(saveButton());

    expect(settingsSet).toHaveBeenCalledExactlyOnceWith(
      makeSettings({ default_on_timeout: "fallback" }),
    );
    await waitFor(() =>
      expect(screen.getByRole("status").textContent).toBe("Saved, except the default timeout."),
    );
    expect(field("Wait for a decision for").value).toBe("20000");
    expect(field("If nobody decides in time").value).toBe("fallback");
    expect(problemBeside(field("Wait for a decision for"))).toBe(
      "Not saved: Use a number of minutes, from 1 minute to 7 days (10,080 minutes).",
    );
  });

  it("leaves checking to the page, never to the browser's bubble", async () => {
    const user = await showSettings();
    const form = screen.getByRole("form", { name: "Settings" }) as HTMLFormElement;
    const bubbles = vi.fn();
    form.addEventListener("invalid", bubbles, true);

    expect(form.noValidate).toBe(true);
    expect(form.querySelectorAll("[required]")).toHaveLength(0);

    await user.clear(field("Open or close the popover"));
    await user.clear(field("Wait for a decision for"));
    await user.type(field("Wait for a decision for"), "0");
    await user.click(fieldIn("Notifications", "An agent finished"));
    await user.click(saveButton());

    expect(bubbles).not.toHaveBeenCalled();
    expect(settingsSet).toHaveBeenCalledExactlyOnceWith(
      makeSettings({
        notifications: { approvals: true, agent_finished: false, agent_failed: true },
      }),
    );
    await waitFor(() =>
      expect(problemBeside(field("Open or close the popover"))).toBe(
        "Not saved: Type a shortcut, for example ctrl+alt+shift+a.",
      ),
    );
    expect(problemBeside(field("Wait for a decision for"))).toBe(
      "Not saved: Use a number of minutes, from 1 minute to 7 days (10,080 minutes).",
    );
    expect(screen.getByRole("status").textContent).toBe(
      "Saved, except the open or close key and the default timeout.",
    );
  });

  describe("how long agents' activity is kept", () => {
    const DAYS = "Keep agents’ activity for";

    it("shows the days with what they mean, and saves new ones", async () => {
      vi.mocked(settingsGet).mockResolvedValue(makeSettings({ activity_kept_days: 14 }));
      const user = await showSettings();

      expect(field(DAYS).value).toBe("14");
      const hint = document.getElementById(field(DAYS).getAttribute("aria-describedby")!);
      expect(hint?.textContent?.replace(/\s+/g, " ").trim()).toBe(
        "What agents reported doing, shown in their timelines. Requests stay in the history.",
      );

      await user.clear(field(DAYS));
      await user.type(field(DAYS), "90");
      await user.click(saveButton());

      expect(settingsSet).toHaveBeenCalledExactlyOnceWith(
        makeSettings({ activity_kept_days: 90 }),
      );
      await waitFor(() => expect(screen.getByRole("status").textContent).toBe("Saved"));
      expect(field(DAYS).value).toBe("90");
    });

    it.each([
      ["0", "Use a whole number of days, from 1 to 3,650 (10 years)."],
      ["4000", "Use a whole number of days, from 1 to 3,650 (10 years)."],
      ["2.5", "Use a whole number of days, from 1 to 3,650 (10 years)."],
      ["", "Type a whole number of days, from 1 to 3,650 (10 years)."],
    ])("refuses %j days beside the field, and saves the rest", async (typed, problem) => {
      const user = await showSettings();

      await user.clear(field(DAYS));
      if (typed !== "") await user.type(field(DAYS), typed);

      // Said as it is typed, as the timeout's limits are.
      expect(problemBeside(field(DAYS))).toBe(problem);

      await user.click(field("An agent failed"));
      await user.click(saveButton());

      expect(settingsSet).toHaveBeenCalledExactlyOnceWith(
        makeSettings({
          notifications: { approvals: true, agent_finished: true, agent_failed: false },
        }),
      );
      await waitFor(() =>
        expect(screen.getByRole("status").textContent).toBe(
          "Saved, except the days activity is kept.",
        ),
      );
      expect(problemBeside(field(DAYS))).toBe(`Not saved: ${problem}`);
      expect(field(DAYS).value).toBe(typed);
      expect(document.activeElement).toBe(field(DAYS));
    });

    it("sends nothing while the days are the only change and not valid", async () => {
      const user = await showSettings();

      await user.clear(field(DAYS));
      await user.type(field(DAYS), "4000");
      await user.click(saveButton());

      expect(settingsSet).not.toHaveBeenCalled();
      expect(screen.getByRole("status").textContent).toBe(
        "Nothing saved: fix the days activity is kept first.",
      );
    });
  });
});

describe("sounds", () => {
  const SOUNDS = makeSettings().sounds;

  function sound(name: string) {
    return fieldIn("Sounds", name);
  }

  function hints(input: HTMLElement): string[] {
    return (input.getAttribute("aria-describedby") ?? "")
      .split(" ")
      .map((id) => document.getElementById(id)?.textContent?.replace(/\s+/g, " ").trim() ?? "");
  }

  async function retime(user: ReturnType<typeof userEvent.setup>, name: string, time: string) {
    await user.clear(sound(name));
    if (time !== "") await user.type(sound(name), time);
  }

  it("shows the saved sounds, next to the notifications they go with", async () => {
    vi.mocked(settingsGet).mockResolvedValue(
      makeSettings({
        sounds: {
          approvals: false,
          agent_finished: true,
          quiet_hours: true,
          quiet_from: "21:45",
          quiet_until: "06:30",
        },
      }),
    );
    await showSettings();

    const notifications = screen.getByRole("group", { name: "Notifications" });
    const sounds = screen.getByRole("group", { name: "Sounds" });
    expect(notifications.nextElementSibling).toBe(sounds);
    expect(sound("A new approval, question or plan").checked).toBe(false);
    expect(sound("An agent finished").checked).toBe(true);
    // Its own check box, not the notification's.
    expect(fieldIn("Notifications", "An agent finished").checked).toBe(true);
    expect(sound("Quiet hours").checked).toBe(true);
    expect(sound("Quiet from").value).toBe("21:45");
    expect(sound("Quiet until").value).toBe("06:30");
    expect(sound("Quiet from").type).toBe("time");
    expect(sound("Quiet until").disabled).toBe(false);
    for (const name of ["A new approval, question or plan", "An agent finished"]) {
      expect(hints(sound(name))).toEqual([
        "Played by your desktop’s notification server with the notification they go with: silent where it plays none.",
        "No sound for an agent whose terminal you are looking at.",
      ]);
    }
    expect(hints(sound("Quiet from"))).toEqual([
      "No sounds between these times, in local time; the notifications still show. Across midnight when the start is later than the end.",
    ]);
    expect(saveButton().getAttribute("aria-disabled")).toBe("true");
  });

  it("turns the approval sound off", async () => {
    const user = await showSettings();
    expect(sound("A new approval, question or plan").checked).toBe(true);

    await user.click(sound("A new approval, question or plan"));
    await user.click(saveButton());

    expect(settingsSet).toHaveBeenCalledExactlyOnceWith(
      makeSettings({ sounds: { ...SOUNDS, approvals: false } }),
    );
    expect(vi.mocked(settingsSet).mock.calls[0]![0].sounds.approvals).toBe(false);
    await waitFor(() => expect(screen.getByRole("status").textContent).toBe("Saved"));
    expect(sound("A new approval, question or plan").checked).toBe(false);
  });

  it("turns the sound of a finished agent on, and leaves its notification alone", async () => {
    const user = await showSettings();
    expect(sound("An agent finished").checked).toBe(false);

    await user.click(sound("An agent finished"));
    await user.click(saveButton());

    expect(settingsSet).toHaveBeenCalledExactlyOnceWith(
      makeSettings({ sounds: { ...SOUNDS, agent_finished: true } }),
    );
  });

  it("takes the times only while quiet hours are on", async () => {
    const user = await showSettings();
    expect(sound("Quiet hours").checked).toBe(false);
    expect(sound("Quiet from").disabled).toBe(true);
    expect(sound("Quiet until").disabled).toBe(true);
    expect(sound("Quiet from").value).toBe("22:00");
    expect(sound("Quiet until").value).toBe("07:00");

    await user.click(sound("Quiet hours"));

    expect(sound("Quiet from").disabled).toBe(false);
    expect(sound("Quiet until").disabled).toBe(false);

    await user.click(sound("Quiet hours"));

    expect(sound("Quiet from").disabled).toBe(true);
    expect(sound("Quiet until").disabled).toBe(true);
  });

  it("saves quiet hours across midnight", async () => {
    const user = await showSettings();

    await user.click(sound("Quiet hours"));
    await retime(user, "Quiet from", "23:30");
    await retime(user, "Quiet until", "06:15");
    await user.click(saveButton());

    expect(settingsSet).toHaveBeenCalledExactlyOnceWith(
      makeSettings({
        sounds: { ...SOUNDS, quiet_hours: true, quiet_from: "23:30", quiet_until: "06:15" },
      }),
    );
    await waitFor(() => expect(screen.getByRole("status").textContent).toBe("Saved"));
    expect(sound("Quiet from").value).toBe("23:30");
    expect(sound("Quiet until").value).toBe("06:15");
  });

  it("refuses a time that is not one beside it, and saves the rest", async () => {
    const user = await showSettings();

    await user.click(sound("Quiet hours"));
    await retime(user, "Quiet from", "");

    // Said as it is typed, as the timeout's limits are.
    expect(problemBeside(sound("Quiet from"))).toBe(
      "Type the time quiet hours start, as HH:MM, for example 22:00.",
    );
    expect(sound("Quiet from").getAttribute("aria-describedby")).toBe(
      "quiet-from-error quiet-hours-hint",
    );

    await retime(user, "Quiet until", "06:15");
    await user.click(field("Start at login"));
    await user.click(saveButton());

    expect(settingsSet).toHaveBeenCalledExactlyOnceWith(
      makeSettings({
        sounds: { ...SOUNDS, quiet_hours: true, quiet_until: "06:15" },
        start_at_login: true,
      }),
    );
    await waitFor(() =>
      expect(screen.getByRole("status").textContent).toBe(
        "Saved, except the start of the quiet hours.",
      ),
    );
    expect(problemBeside(sound("Quiet from"))).toBe(
      "Not saved: Type the time quiet hours start, as HH:MM, for example 22:00.",
    );
    // What the person typed stays, to be fixed; the rest shows as saved.
    expect(sound("Quiet from").value).toBe("");
    expect(sound("Quiet until").value).toBe("06:15");
    expect(problemBeside(sound("Quiet until"))).toBeNull();
    expect(field("Start at login").checked).toBe(true);
    expect(document.activeElement).toBe(sound("Quiet from"));
    expect(screen.queryByRole("alert")).toBeNull();

    await retime(user, "Quiet from", "23:30");

    expect(problemBeside(sound("Quiet from"))).toBeNull();

    await user.click(saveButton());

    expect(settingsSet).toHaveBeenLastCalledWith(
      makeSettings({
        sounds: { ...SOUNDS, quiet_hours: true, quiet_from: "23:30", quiet_until: "06:15" },
        start_at_login: true,
      }),
    );
    await waitFor(() => expect(screen.getByRole("status").textContent).toBe("Saved"));
  });

  it("sends nothing while a time is the only change and not valid", async () => {
    vi.mocked(settingsGet).mockResolvedValue(
      makeSettings({ sounds: { ...SOUNDS, quiet_hours: true } }),
    );
    const user = await showSettings();

    await retime(user, "Quiet until", "");
    await user.click(saveButton());

    expect(settingsSet).not.toHaveBeenCalled();
    expect(screen.getByRole("status").textContent).toBe(
      "Nothing saved: fix the end of the quiet hours first.",
    );
    expect(problemBeside(sound("Quiet until"))).toBe(
      "Not saved: Type the time quiet hours end, as HH:MM, for example 07:00.",
    );
    expect(document.activeElement).toBe(sound("Quiet until"));
  });
});

describe("agents that ask in their own terminal", () => {
  const DENY = "Deny their high-risk calls before they ask (Gemini CLI)";

  it("is off until the person turns it on, says what it does, and saves it", async () => {
    const user = await showSettings();
    const rule = fieldIn("Agents that ask in their own terminal", DENY);
    expect(rule.checked).toBe(false);
    const hint = document.getElementById(rule.getAttribute("aria-describedby") ?? "");
    expect(hint?.textContent).toMatch(/approve in the agent’s own prompt/);
    expect(hint?.textContent).toMatch(/each one is in the history/);

    await user.click(rule);
    await user.click(saveButton());

    expect(settingsSet).toHaveBeenCalledExactlyOnceWith(
      makeSettings({ prompt_only_agents: { deny_high_risk: true } }),
    );
    await waitFor(() => expect(screen.getByRole("status").textContent).toBe("Saved"));
  });

  it("shows the rule on when it was saved on", async () => {
    vi.mocked(settingsGet).mockResolvedValue(
      makeSettings({ prompt_only_agents: { deny_high_risk: true } }),
    );
    await showSettings();
    expect(fieldIn("Agents that ask in their own terminal", DENY).checked).toBe(true);
  });
});

describe("requests from other machines", () => {
  function refusedHosts() {
    const list = screen.queryByRole("list", { name: "Refused SSH hosts" });
    if (list === null) return [];
    return within(list)
      .getAllByRole("listitem")
      .map((item) => item.querySelector(".host")?.textContent);
  }

  function hostBox() {
    return field("SSH host to refuse");
  }

  function addButton() {
    return screen.getByRole("button", { name: "Add" });
  }

  function showWithRefused(refused_hosts: string[]) {
    vi.mocked(settingsGet).mockResolvedValue(
      makeSettings({ remote: { accept: true, refused_hosts } }),
    );
    return showSettings();
  }

  it("says which remote requests it turned away since the app started", async () => {
    vi.mocked(remoteRefusals).mockResolvedValue([
      { remote: "ssh:devbox", count: 3, last_at: new Date(2026, 10, 30, 14, 2, 5).getTime() },
      { remote: "container", count: 1, last_at: new Date(2026, 10, 30, 9, 0, 0).getTime() },
    ]);
    await showWithRefused(["devbox"]);

    const list = await screen.findByRole("list", {
      name: "Turned away since Converge Tray started:",
    });
    expect(within(list).getAllByRole("listitem").map((item) => item.textContent?.trim())).toEqual([
      "devbox (through SSH): 3 requests, last at 30 Nov 2026, 14:02:05",
      "a container: 1 request, last at 30 Nov 2026, 09:00:00",
    ]);
  });

  it("shows no such list while nothing was turned away, and the first as it happens", async () => {
    await showWithRefused(["devbox"]);
    await screen.findByRole("list", { name: "Refused SSH hosts" });
    expect(screen.queryByText(/Turned away since/)).toBeNull();

    pushRefusals([
      { remote: "ssh:devbox", count: 1, last_at: new Date(2026, 10, 30, 14, 2, 5).getTime() },
    ]);
    const list = await screen.findByRole("list", {
      name: "Turned away since Converge Tray started:",
    });
    expect(within(list).getByRole("listitem").textContent).toBe(
      "devbox (through SSH): 1 request, last at 30 Nov 2026, 14:02:05",
    );
  });

  it("turns away every request from other machines and containers", async () => {
    const user = await showWithRefused(["devbox"]);
    const accept = field("Take requests from other machines (SSH) and containers");
    expect(accept.checked).toBe(true);
    expect(screen.getByText(/unless you forward its socket there/)).toBeTruthy();
    expect(hostBox().matches(":disabled")).toBe(false);

    await user.click(accept);

    expect(hostBox().matches(":disabled")).toBe(true);
    expect(addButton().matches(":disabled")).toBe(true);
    expect(screen.getByRole("button", { name: "Remove devbox" }).matches(":disabled")).toBe(true);
    expect(screen.getByText(/Every host is refused while/)).toBeTruthy();

    await user.click(saveButton());

    expect(settingsSet).toHaveBeenCalledExactlyOnceWith(
      makeSettings({ remote: { accept: false, refused_hosts: ["devbox"] } }),
    );
    await waitFor(() => expect(screen.getByRole("status").textContent).toBe("Saved"));
    expect(field("Take requests from other machines (SSH) and containers").checked).toBe(false);
  });

  it("refuses an SSH host", async () => {
    const user = await showSettings();
    expect(refusedHosts()).toEqual([]);

    await user.type(hostBox(), "  devbox ");
    await user.click(addButton());

    expect(refusedHosts()).toEqual(["devbox"]);
    expect(hostBox().value).toBe("");
    expect(saveButton().getAttribute("aria-disabled")).toBe("false");

    await user.click(saveButton());

    expect(settingsSet).toHaveBeenCalledExactlyOnceWith(
      makeSettings({ remote: { accept: true, refused_hosts: ["devbox"] } }),
    );
    await waitFor(() => expect(screen.getByRole("status").textContent).toBe("Saved"));
    expect(refusedHosts()).toEqual(["devbox"]);
  });

  it("adds a host on Enter without saving", async () => {
    const user = await showWithRefused(["devbox"]);

    await user.type(hostBox(), "build-01{Enter}");

    expect(refusedHosts()).toEqual(["devbox", "build-01"]);
    expect(settingsSet).not.toHaveBeenCalled();
    expect(screen.getByRole("status").textContent).toBe("");
  });

  it("does not add a host already in the list, whatever its case", async () => {
    const user = await showWithRefused(["devbox"]);

    await user.type(hostBox(), "DevBox");
    await user.click(addButton());

    expect(screen.getByText("devbox is already in the list.")).toBeTruthy();
    expect(hostBox().getAttribute("aria-invalid")).toBe("true");
    expect(refusedHosts()).toEqual(["devbox"]);
    expect(saveButton().getAttribute("aria-disabled")).toBe("true");

    await user.type(hostBox(), "2");

    expect(screen.queryByText("devbox is already in the list.")).toBeNull();
    expect(hostBox().getAttribute("aria-invalid")).toBe("false");
  });

  it("does not add a name with a space in it", async () => {
    const user = await showSettings();

    await user.type(hostBox(), "dev box");
    await user.click(addButton());

    expect(screen.getByText("A host name is one word, as you type it after ssh.")).toBeTruthy();
    expect(refusedHosts()).toEqual([]);
    expect(hostBox().value).toBe("dev box");

    await user.click(saveButton());

    expect(settingsSet).not.toHaveBeenCalled();
  });

  it("does not add an empty name", async () => {
    const user = await showSettings();

    await user.type(hostBox(), "   ");
    await user.click(addButton());

    expect(screen.getByText("Type the host’s name first.")).toBeTruthy();
    expect(refusedHosts()).toEqual([]);
  });

  it("takes a host off the list", async () => {
    const user = await showWithRefused(["devbox", "build-01"]);

    await user.click(screen.getByRole("button", { name: "Remove devbox" }));

    expect(refusedHosts()).toEqual(["build-01"]);

    await user.click(saveButton());

    expect(settingsSet).toHaveBeenCalledExactlyOnceWith(
      makeSettings({ remote: { accept: true, refused_hosts: ["build-01"] } }),
    );
  });
});

describe("how the shortcuts reach the app", () => {
  it("says plainly when a Wayland desktop offers no shortcuts portal", async () => {
    const note =
      "This is a Wayland session and the desktop offers no shortcuts portal (no such name). The keys below are X11 keys: they work only while an X11 window has focus.";
    vi.mocked(shortcutsStatus).mockResolvedValue({ through: "x11_keys_under_wayland", note });
    render(SettingsView);
    const status = await screen.findByText(note);
    expect(status.textContent?.trim()).toBe(note);
    expect(status.className).toContain("notice");
  });

  it("shows the keys the desktop chose through its portal", async () => {
    const note = "Through your desktop's shortcuts portal (approve: Ctrl+Shift+Y).";
    vi.mocked(shortcutsStatus).mockResolvedValue({ through: "portal", note });
    render(SettingsView);
    const status = await screen.findByText(note);
    expect(status.textContent).toContain("approve: Ctrl+Shift+Y");
    expect(status.className).toContain("hint");
  });

  it("still shows the settings when the status cannot be read", async () => {
    vi.mocked(shortcutsStatus).mockRejectedValue("not allowed");
    render(SettingsView);
    expect(await screen.findByRole("form", { name: "Settings" })).toBeTruthy();
    expect(document.querySelector(".shortcuts-status")).toBeNull();
  });
});

describe("when requests go to the phone", () => {
  const PHONE = makeSettings().phone;

  function phoneChoice(name: string | RegExp) {
    return fieldIn("Send a request to the phone", name);
  }

  function waitField() {
    return field("How long it waits on the desktop first");
  }

  async function showWithPhone(status: PhoneStatus = PHONE_READY) {
    vi.mocked(phoneStatus).mockResolvedValue(status);
    const user = await showSettings();
    await screen.findByText(/^(Requests go to|Phone is off)/);
    return user;
  }

  it("shows the saved choices, waiting 2 minutes by default", async () => {
    await showWithPhone();

    expect(phoneChoice("When it has waited on the desktop").checked).toBe(true);
    expect(waitField().value).toBe("2");
    expect(field("Unit of the wait on the desktop").value).toBe("minutes");
    expect(phoneChoice("Every request, as it arrives").checked).toBe(false);
    expect(phoneChoice("Never (paused)").checked).toBe(false);
    expect(phoneChoice("Allow approving high-risk requests from the phone").checked).toBe(false);
  });

  it("saves the choices with the rest of the settings", async () => {
    const user = await showWithPhone();

    await user.click(phoneChoice("Every request, as it arrives"));
    await user.click(phoneChoice("Allow approving high-risk requests from the phone"));

    // Waiting only means something for the first choice.
    expect(waitField().disabled).toBe(true);

    await user.click(saveButton());

    expect(settingsSet).toHaveBeenCalledExactlyOnceWith(
      makeSettings({ phone: { ...PHONE, escalate: "always", high_risk_approvable: true } }),
    );
    await waitFor(() => expect(screen.getByRole("status").textContent).toBe("Saved"));
    expect(phoneChoice("Every request, as it arrives").checked).toBe(true);
  });

  it("saves how long a request waits on the desktop first", async () => {
    const user = await showWithPhone();

    await user.clear(waitField());
    await user.type(waitField(), "45");
    await user.selectOptions(field("Unit of the wait on the desktop"), "seconds");
    await user.click(saveButton());

    expect(settingsSet).toHaveBeenCalledExactlyOnceWith(
      makeSettings({ phone: { ...PHONE, unanswered_secs: 45 } }),
    );
    await waitFor(() => expect(screen.getByRole("status").textContent).toBe("Saved"));
  });

  it("does not send a wait longer than a day, and says so beside it", async () => {
    const user = await showWithPhone();

    await user.clear(waitField());
    await user.type(waitField(), "1441");

    expect(problemBeside(waitField())).toBe(
      "Use a number of minutes, from 1 minute to a day (1,440 minutes).",
    );

    await user.click(saveButton());

    expect(settingsSet).not.toHaveBeenCalled();
    expect(screen.getByRole("status").textContent).toBe(
      "Nothing saved: fix the wait before a request goes to the phone first.",
    );
    expect(problemBeside(waitField())).toBe(
      "Not saved: Use a number of minutes, from 1 minute to a day (1,440 minutes).",
    );
    expect(document.activeElement).toBe(waitField());
  });

  it("saves how long the session is idle before requests go", async () => {
    const user = await showWithPhone();
    const minutes = () => field("How long I have been idle first, in minutes");
    expect(minutes().value).toBe("10");

    await user.click(phoneChoice("While the screen is locked, or I have been idle"));
    await user.clear(minutes());
    await user.type(minutes(), "30");
    await user.click(saveButton());

    expect(settingsSet).toHaveBeenCalledExactlyOnceWith(
      makeSettings({ phone: { ...PHONE, escalate: "locked_or_idle", idle_minutes: 30 } }),
    );
    await waitFor(() => expect(screen.getByRole("status").textContent).toBe("Saved"));
  });

  it("does not send idle minutes it cannot take, and says so beside them", async () => {
    const user = await showWithPhone();
    const minutes = () => field("How long I have been idle first, in minutes");

    await user.click(phoneChoice("While the screen is locked, or I have been idle"));
    await user.clear(minutes());
    await user.type(minutes(), "0");

    expect(problemBeside(minutes())).toBe(
      "Use a whole number of minutes, from 1 to 1,440 (a day).",
    );

    await user.click(saveButton());

    // The choice is valid and saved; the minutes keep their saved value.
    expect(settingsSet).toHaveBeenCalledExactlyOnceWith(
      makeSettings({ phone: { ...PHONE, escalate: "locked_or_idle" } }),
    );
    await waitFor(() =>
      expect(screen.getByRole("status").textContent).toBe(
        "Saved, except the idle time before requests go to the phone.",
      ),
    );
    expect(minutes().value).toBe("0");
    expect(problemBeside(minutes())).toBe(
      "Not saved: Use a whole number of minutes, from 1 to 1,440 (a day).",
    );
    expect(document.activeElement).toBe(minutes());
  });

  it("keeps the choices disabled until Phone is set up, and says why", async () => {
    await showWithPhone(PHONE_OFF);

    const choices = screen.getByRole("group", { name: "Send a request to the phone" });
    expect(choices.matches(":disabled")).toBe(true);
    expect(phoneChoice("Never (paused)").matches(":disabled")).toBe(true);
    expect(choices.getAttribute("aria-describedby")).toBe("phone-choices-off");
    expect(document.getElementById("phone-choices-off")?.textContent).toBe(
      "These apply once Phone is set up.",
    );
  });

  it("does not save the settings when Enter is pressed in a set-up field", async () => {
    const user = await showWithPhone(PHONE_OFF);
    await user.click(field("Start at login"));

    await user.type(field("Homeserver"), "https://matrix.example.org{Enter}");

    expect(settingsSet).not.toHaveBeenCalled();
    expect(screen.getByRole("status").textContent).toBe("");
    expect(field("Homeserver").value).toBe("https://matrix.example.org");
  });
});
