import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { InboxEvent } from "../lib/bindings/InboxEvent";
import {
  grantsList,
  historyQuery,
  inboxSnapshot,
  jobsOverview,
  problemsList,
  settingsGet,
} from "../lib/bindings/commands";
import { onProblemAdded, onSettingsChanged, subscribe } from "../lib/bridge";
import {
  agentUpdated,
  created,
  makeAgent,
  makeEvent,
  makeGrant,
  makeJob,
  makeJobsOverview,
  makeRequest,
  makeSettings,
  makeSnapshot,
} from "../test/fixtures";
import FullWindow from "./FullWindow.svelte";

vi.mock("../lib/bindings/commands", () => ({
  inboxSnapshot: vi.fn(),
  inboxDecide: vi.fn(),
  historyQuery: vi.fn(),
  auditVerify: vi.fn(),
  settingsGet: vi.fn(),
  settingsSet: vi.fn(),
  shortcutsStatus: vi.fn(async () => ({ through: "x11_keys", note: "Registered as X11 keys." })),
  remoteRefusals: vi.fn(async () => []),
  jobsOverview: vi.fn(),
  jobRun: vi.fn(),
  problemsList: vi.fn(),
  grantOffers: vi.fn(),
  inboxApproveAndGrant: vi.fn(),
  grantsList: vi.fn(),
  grantRevoke: vi.fn(),
  phoneStatus: vi.fn(async () => ({
    state: "off",
    account: null,
    device: null,
    person: null,
    emojis: [],
    note: null,
  })),
  phoneSetUp: vi.fn(),
  phoneVerify: vi.fn(),
  phoneConfirm: vi.fn(),
  phoneTurnOff: vi.fn(),
}));

vi.mock("../lib/bridge", () => ({
  subscribe: vi.fn(),
  onSettingsChanged: vi.fn(),
  onRemoteRefused: vi.fn(async () => () => {}),
  onProblemAdded: vi.fn(),
  onPhoneChanged: vi.fn(async () => () => {}),
}));

let pushEvent: (event: InboxEvent) => void;

beforeEach(() => {
  vi.mocked(inboxSnapshot).mockResolvedValue(
    makeSnapshot({ seq: 1, agents: [makeAgent({ id: "agent-1", name: "claude in ~/shop" })] }),
  );
  vi.mocked(subscribe).mockImplementation(async (onEvent) => {
    pushEvent = onEvent;
    return () => {};
  });
  vi.mocked(historyQuery).mockResolvedValue({ entries: [], next_before: null });
  vi.mocked(settingsGet).mockResolvedValue(makeSettings());
  vi.mocked(onSettingsChanged).mockResolvedValue(() => {});
  vi.mocked(jobsOverview).mockResolvedValue(
    makeJobsOverview({ definitions: [makeJob({ id: "travel-expense", name: "Travel expense" })] }),
  );
  vi.mocked(problemsList).mockResolvedValue([]);
  vi.mocked(onProblemAdded).mockResolvedValue(() => {});
  vi.mocked(grantsList).mockResolvedValue([]);
});

afterEach(() => {
  vi.resetAllMocks();
});

function tab(name: string) {
  return screen.getByRole("tab", { name });
}

describe("FullWindow", () => {
  it("opens on the history, with a tab for each view", () => {
    render(FullWindow);

    expect(screen.getByRole("tablist", { name: "Views" })).toBeTruthy();
    expect(screen.getAllByRole("tab").map((t) => t.textContent?.trim())).toEqual([
      "History",
      "Agents",
      "Grants",
      "Jobs",
      "Settings",
    ]);
    expect(tab("History").getAttribute("aria-selected")).toBe("true");
    expect(screen.getByRole("tabpanel", { name: "History" })).toBeTruthy();
    expect(screen.queryByRole("tabpanel", { name: "Agents" })).toBeNull();
  });

  it("switches views by click and with the arrow keys, Home and End", async () => {
    const user = userEvent.setup();
    render(FullWindow);

    await user.click(tab("Agents"));
    expect(screen.getByRole("tabpanel", { name: "Agents" })).toBeTruthy();
    expect(await screen.findByRole("button", { name: /claude in ~\/shop/ })).toBeTruthy();

    await user.keyboard("{ArrowRight}");
    expect(tab("Grants").getAttribute("aria-selected")).toBe("true");
    expect(screen.getByRole("tabpanel", { name: "Grants" })).toBeTruthy();
    await user.keyboard("{ArrowRight}");
    expect(tab("Jobs").getAttribute("aria-selected")).toBe("true");
    expect(document.activeElement).toBe(tab("Jobs"));
    expect(screen.getByRole("tabpanel", { name: "Jobs" })).toBeTruthy();
    expect(await screen.findByText("Travel expense")).toBeTruthy();
    await user.keyboard("{ArrowRight}");
    expect(tab("Settings").getAttribute("aria-selected")).toBe("true");
    await user.keyboard("{ArrowRight}");
    expect(tab("History").getAttribute("aria-selected")).toBe("true");
    await user.keyboard("{ArrowLeft}");
    expect(tab("Settings").getAttribute("aria-selected")).toBe("true");
    await user.keyboard("{Home}");
    expect(tab("History").getAttribute("aria-selected")).toBe("true");
    await user.keyboard("{End}");
    expect(screen.getByRole("tabpanel", { name: "Settings" })).toBeTruthy();
    expect(tab("Settings").getAttribute("tabindex")).toBe("0");
    expect(tab("History").getAttribute("tabindex")).toBe("-1");
  });

  it("refreshes the history when the inbox reports a new request", async () => {
    render(FullWindow);
    await waitFor(() => expect(historyQuery).toHaveBeenCalledOnce());
    await screen.findByRole("option", { name: "claude in ~/shop" });

    pushEvent(created(2, makeRequest({ id: "req-new" })));

    expect(historyQuery).toHaveBeenCalledTimes(2);
  });

  it("refreshes the grants, and the history they are written to, when they change", async () => {
    vi.mocked(grantsList).mockResolvedValue([makeGrant({ id: "grant-1" })]);
    const user = userEvent.setup();
    render(FullWindow);
    await screen.findByRole("option", { name: "claude in ~/shop" });
    await waitFor(() => expect(historyQuery).toHaveBeenCalledOnce());
    await user.click(tab("Grants"));
    expect(
      await screen.findByRole("heading", { name: "Bash commands starting with `git status`" }),
    ).toBeTruthy();
    expect(grantsList).toHaveBeenCalledOnce();

    vi.mocked(grantsList).mockResolvedValue([]);
    pushEvent(makeEvent(2, { type: "grants-changed" }));

    expect(grantsList).toHaveBeenCalledTimes(2);
    expect(historyQuery).toHaveBeenCalledTimes(2);
    expect(await screen.findByText(/No grant is active/)).toBeTruthy();
  });

  it("refreshes the jobs when a Converge run reports through the inbox", async () => {
    render(FullWindow);
    await screen.findByRole("option", { name: "claude in ~/shop" });
    await screen.findByText("Travel expense");
    expect(jobsOverview).toHaveBeenCalledOnce();

    pushEvent(agentUpdated(2, makeAgent({ id: "converge:run-1", kind: "converge" })));

    expect(jobsOverview).toHaveBeenCalledTimes(2);
  });

  it("tells of what went wrong in this run above the views", async () => {
    vi.mocked(problemsList).mockResolvedValue(["The inbox was started afresh."]);
    render(FullWindow);

    const banner = await screen.findByRole("alert", { name: "Something needs your attention" });
    expect(banner.textContent).toContain("The inbox was started afresh.");
    expect(
      banner.compareDocumentPosition(screen.getByRole("tabpanel", { name: "History" })) &
        Node.DOCUMENT_POSITION_FOLLOWING,
    ).toBeTruthy();
  });
});
