import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Settings } from "../lib/bindings/Settings";
import type { RemoteRefusal } from "../lib/bindings/RemoteRefusal";
import {
  onRemoteRefused,
  onSettingsChanged,
  remoteRefusals,
  settingsGet,
  settingsSet,
  shortcutsStatus,
} from "../lib/bridge";
import { makeSettings } from "../test/fixtures";
import SettingsView from "./SettingsView.svelte";

vi.mock("../lib/bridge", () => ({
  settingsGet: vi.fn(),
  settingsSet: vi.fn(),
  onSettingsChanged: vi.fn(),
  shortcutsStatus: vi.fn(),
  remoteRefusals: vi.fn(),
  onRemoteRefused: vi.fn(),
}));

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
