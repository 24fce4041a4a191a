import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { tick } from "svelte";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { GrantRecord } from "../../lib/bindings/GrantRecord";
import { grantRevoke, grantsList, historyQuery } from "../../lib/bindings/commands";
import { InboxStore } from "../../lib/inboxStore.svelte";
import { formatDateTime } from "../../lib/time";
import {
  NOW,
  makeAgent,
  makeAuditEntry,
  makeEvent,
  makeGrant,
  makeSnapshot,
} from "../../test/fixtures";
import GrantsView from "./GrantsView.svelte";

vi.mock("../../lib/bindings/commands", () => ({
  grantsList: vi.fn(),
  historyQuery: vi.fn(),
  grantRevoke: vi.fn(),
}));

beforeEach(() => {
  vi.useFakeTimers({ now: NOW, toFake: ["Date", "setInterval", "clearInterval"] });
  vi.mocked(grantRevoke).mockResolvedValue(undefined);
});

afterEach(() => {
  vi.useRealTimers();
  vi.resetAllMocks();
});

const MINUTE = 60_000;

const gitStatus = makeGrant({
  id: "grant-git",
  project: "/home/me/shop",
  created_at: NOW - 48 * MINUTE,
  expires_at: NOW + 12 * MINUTE,
  uses: 2,
});
const npmTest = makeGrant({
  id: "grant-npm",
  agent_id: "codex-1",
  label: "Bash commands starting with `npm test`",
  created_at: NOW - 5 * MINUTE,
  created_by: "window",
  until_session_end: true,
  expires_at: NOW + 24 * 60 * MINUTE,
  uses: 1,
});
const revoked = makeGrant({
  id: "grant-revoked",
  label: "exactly `make deploy`",
  created_at: NOW - 30 * MINUTE,
  ended_at: NOW - 20 * MINUTE,
  ended_by: "popover",
  uses: 3,
});
const sessionEnded = makeGrant({
  id: "grant-session",
  label: "any WebFetch request",
  created_at: NOW - 90 * MINUTE,
  until_session_end: true,
  expires_at: NOW + 22 * 60 * MINUTE,
  ended_at: NOW - 60 * MINUTE,
  ended_by: "system",
});
const expired = makeGrant({
  id: "grant-expired",
  label: "exactly `ls -la`",
  created_at: NOW - 2 * 60 * MINUTE,
  created_by: "notification",
  expires_at: NOW - 60 * MINUTE,
  uses: 1,
});

function loadedInbox() {
  const inbox = new InboxStore();
  inbox.reset(
    makeSnapshot({
      seq: 1,
      agents: [
        makeAgent({ id: "agent-1", name: "claude in ~/shop" }),
        makeAgent({ id: "codex-1", name: "codex" }),
      ],
    }),
  );
  return inbox;
}

async function showGrants(grants: GrantRecord[], inbox = loadedInbox()) {
  vi.mocked(grantsList).mockResolvedValue(grants);
  const view = render(GrantsView, { inbox });
  await screen.findByRole("heading", { name: "Active" });
  return { ...view, inbox, user: userEvent.setup() };
}

function listOf(name: string) {
  return screen.queryByRole("list", { name });
}

function rows(name: string) {
  const list = listOf(name);
  return list === null ? [] : within(list).getAllByRole("listitem");
}

function text(element: HTMLElement) {
  return element.textContent?.replace(/\s+/g, " ").trim();
}

describe("Grants", () => {
  it("lists the requests a grant approved, from the audit log", async () => {
    vi.mocked(historyQuery).mockResolvedValue({
      entries: [
        makeAuditEntry({
          seq: 7,
          event: "resolved",
          title: "Check the working tree",
          decided_by: "grant",
          grant_id: "grant-git",
        }),
      ],
      next_before: null,
    });
    const { user } = await showGrants([gitStatus]);

    await user.click(screen.getByRole("button", { name: "approved 2 requests" }));

    expect(await screen.findByText("Check the working tree")).toBeTruthy();
    expect(vi.mocked(historyQuery)).toHaveBeenCalledWith(
      expect.objectContaining({ grant_id: "grant-git", event: "resolved" }),
    );
  });

  it("lists the live grants with what, for whom, where, how long, uses and how made", async () => {
    await showGrants([npmTest, gitStatus, revoked]);

    const live = rows("Active");
    expect(live.every((row) => row.classList.contains("grant"))).toBe(true);
    expect(live.map(text)).toEqual([
      "Bash commands starting with `npm test` Revoke codex " +
        `until the session ends (at the latest ${formatDateTime(npmTest.expires_at)}) · ` +
        `approved 1 request Made ${formatDateTime(npmTest.created_at)} through Full window`,
      "Bash commands starting with `git status` Revoke claude in ~/shop · only in /home/me/shop " +
        `12 min left · until ${formatDateTime(gitStatus.expires_at)} · approved 2 requests ` +
        `Made ${formatDateTime(gitStatus.created_at)} through Popover`,
    ]);
  });

  it("lists past grants with how and when each ended, and no Revoke", async () => {
    await showGrants([gitStatus, revoked, sessionEnded, expired]);

    const past = rows("Past");
    expect(past.map(text)).toEqual([
      "exactly `make deploy` claude in ~/shop " +
        `Revoked ${formatDateTime(revoked.ended_at!)} through Popover · approved 3 requests ` +
        `Made ${formatDateTime(revoked.created_at)} through Popover`,
      "any WebFetch request claude in ~/shop " +
        `Ended with its session ${formatDateTime(sessionEnded.ended_at!)} · ` +
        "approved no requests " +
        `Made ${formatDateTime(sessionEnded.created_at)} through Popover`,
      "exactly `ls -la` claude in ~/shop " +
        `Expired ${formatDateTime(expired.expires_at)} · approved 1 request ` +
        `Made ${formatDateTime(expired.created_at)} through Notification`,
    ]);
    for (const row of past) expect(within(row).queryByRole("button", { name: "Revoke" })).toBeNull();
  });

  it("revokes a live grant and lists it again as past", async () => {
    const { user } = await showGrants([npmTest, gitStatus]);
    vi.mocked(grantsList).mockResolvedValue([
      npmTest,
      { ...gitStatus, ended_at: NOW, ended_by: "window" },
    ]);

    const revoke = within(rows("Active")[1]!).getByRole("button", { name: "Revoke" });
    expect(revoke.classList).toContain("revoke");
    await user.click(revoke);

    expect(grantRevoke).toHaveBeenCalledExactlyOnceWith("grant-git");
    await waitFor(() => expect(rows("Active")).toHaveLength(1));
    expect(grantsList).toHaveBeenCalledTimes(2);
    expect(text(rows("Past")[0]!)).toContain(`Revoked ${formatDateTime(NOW)} through Full window`);
  });

  it("says why a revoke was refused", async () => {
    vi.mocked(grantRevoke).mockRejectedValue("it has ended or expired already");
    const { user } = await showGrants([gitStatus]);

    await user.click(within(rows("Active")[0]!).getByRole("button", { name: "Revoke" }));

    expect((await within(rows("Active")[0]!).findByRole("alert")).textContent).toBe(
      "Could not revoke it: it has ended or expired already",
    );
  });

  it("moves a grant to the past when it expires, with no event", async () => {
    await showGrants([npmTest, gitStatus]);
    expect(rows("Active")).toHaveLength(2);

    vi.advanceTimersByTime(12 * MINUTE);
    await tick();

    expect(rows("Active")).toHaveLength(1);
    expect(text(rows("Past")[0]!)).toContain(`Expired ${formatDateTime(gitStatus.expires_at)}`);
    expect(grantsList).toHaveBeenCalledOnce();
  });

  it("lists the grants again when the inbox says they changed", async () => {
    const { inbox } = await showGrants([]);
    expect(screen.getByText(/No grant is active: every request asks/)).toBeTruthy();
    expect(screen.getByText("No grant has ended or expired yet.")).toBeTruthy();
    vi.mocked(grantsList).mockResolvedValue([gitStatus]);

    inbox.apply(makeEvent(2, { type: "grants-changed" }));

    expect(grantsList).toHaveBeenCalledTimes(2);
    await waitFor(() => expect(rows("Active")).toHaveLength(1));
  });

  it("shows agent-written markup and hidden characters as literal text", async () => {
    const markup = "<img src=x onerror=alert(1)>";
    const { container } = await showGrants([
      makeGrant({ id: "grant-evil", label: `${markup} \u202Eevil`, project: `/tmp/${markup}` }),
    ]);

    const row = rows("Active")[0]!;
    expect(within(row).getByRole("heading").textContent).toBe(`${markup} ⟨U+202E⟩evil`);
    expect(text(row)).toContain(`only in /tmp/${markup}`);
    expect(container.querySelector("img")).toBeNull();
  });

  it("shows the backend's error", async () => {
    vi.mocked(grantsList).mockRejectedValue("database is locked");
    render(GrantsView, { inbox: loadedInbox() });

    expect((await screen.findByRole("alert")).textContent).toBe(
      "Could not load the grants: database is locked",
    );
  });
});
