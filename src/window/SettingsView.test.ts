import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Settings } from "../lib/bindings/Settings";
import { onSettingsChanged, settingsGet, settingsSet, shortcutsStatus } from "../lib/bridge";
import { makeSettings } from "../test/fixtures";
import SettingsView from "./SettingsView.svelte";

vi.mock("../lib/bridge", () => ({
  settingsGet: vi.fn(),
  settingsSet: vi.fn(),
  onSettingsChanged: vi.fn(),
  shortcutsStatus: vi.fn(),
}));

let pushChange: (settings: Settings) => void;

beforeEach(() => {
  vi.mocked(shortcutsStatus).mockResolvedValue({
    through: "x11_keys",
    note: "Registered as X11 keys: they work whichever window has focus.",
  });
  vi.mocked(settingsGet).mockResolvedValue(makeSettings());
  vi.mocked(settingsSet).mockImplementation(async (settings) => settings);
  vi.mocked(onSettingsChanged).mockImplementation(async (onChange) => {
    pushChange = onChange;
    return () => {};
  });
});

afterEach(() => {
  vi.resetAllMocks();
});

async function showSettings() {
  render(SettingsView);
  await screen.findByRole("form", { name: "Settings" });
  return userEvent.setup();
}

function field(name: string | RegExp) {
  return screen.getByLabelText(name) as HTMLInputElement;
}

function saveButton() {
  return screen.getByRole("button", { name: "Save" });
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
    expect(field("An agent finished").checked).toBe(false);
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
    await user.click(field("An agent finished"));
    await user.click(field("Start at login"));
    await user.click(saveButton());

    expect(settingsSet).toHaveBeenCalledExactlyOnceWith(
      makeSettings({
        shortcuts: {
          toggle_popover: "ctrl+alt+shift+c",
          approve: "ctrl+alt+y",
          deny: "ctrl+alt+shift+d",
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

  it("shows the backend's refusal and keeps the edits", async () => {
    vi.mocked(settingsSet).mockRejectedValue(
      "Ctrl+Alt+Y could not be registered: already taken by another application",
    );
    const user = await showSettings();

    await user.clear(field("Approve"));
    await user.type(field("Approve"), "ctrl+alt+y");
    await user.click(saveButton());

    expect((await screen.findByRole("alert")).textContent).toBe(
      "Ctrl+Alt+Y could not be registered: already taken by another application",
    );
    expect(field("Approve").value).toBe("ctrl+alt+y");
    expect(screen.getByRole("status").textContent).toBe("");
    expect(saveButton().getAttribute("aria-disabled")).toBe("false");
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
    expect(screen.getByText(/from 1 second to 7 days/)).toBeTruthy();
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
