import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { AuditEntry } from "../../lib/bindings/AuditEntry";
import type { HistoryPage } from "../../lib/bindings/HistoryPage";
import type { HistoryQuery } from "../../lib/bindings/HistoryQuery";
import { auditVerify, historyQuery } from "../../lib/bindings/commands";
import { InboxStore } from "../../lib/inboxStore.svelte";
import {
  created,
  makeAgent,
  makeAuditEntry,
  makeEvent,
  makeRequest,
  makeSnapshot,
  resolved,
} from "../../test/fixtures";
import HistoryView from "./HistoryView.svelte";

vi.mock("../../lib/bindings/commands", () => ({
  historyQuery: vi.fn(),
  auditVerify: vi.fn(),
}));

afterEach(() => {
  vi.useRealTimers();
  vi.resetAllMocks();
});

const FIRST_PAGE: HistoryQuery = {
  agent_id: null,
  outcome: null,
  event: null,
  text: null,
  from: null,
  to: null,
  before_seq: null,
  limit: 50,
  grant_id: null,
};

function page(entries: AuditEntry[], nextBefore: number | null = null): HistoryPage {
  return { entries, next_before: nextBefore };
}

const requestedAt = new Date(2026, 10, 24, 5, 33, 6).getTime();
const requested = makeAuditEntry({
  seq: 1,
  at: requestedAt,
  title: "Deploy to production",
  action: "deploy",
  details: "kubectl apply -f prod.yaml",
  requester: "pid 4242 · uid 1000 · /usr/bin/claude",
});
const denied = makeAuditEntry({
  seq: 2,
  at: requestedAt + 4000,
  event: "resolved",
  title: "Deploy to production",
  details: "kubectl apply -f prod.yaml",
  outcome: "denied",
  decided_by: "shortcut",
  reason: "not on a friday",
});

async function showHistory(first: HistoryPage, inbox = loadedInbox()) {
  vi.mocked(historyQuery).mockResolvedValue(first);
  const view = render(HistoryView, { inbox });
  await waitFor(() => expect(historyQuery).toHaveBeenCalled());
  return { ...view, inbox, user: userEvent.setup() };
}

function loadedInbox() {
  const inbox = new InboxStore();
  inbox.reset(
    makeSnapshot({
      agents: [
        makeAgent({ id: "agent-1", name: "claude in ~/shop" }),
        makeAgent({ id: "agent-2", name: "codex" }),
      ],
    }),
  );
  return inbox;
}

function entries() {
  return within(screen.getByRole("list", { name: "Audit log entries, newest first" })).getAllByRole(
    "listitem",
  );
}

function dateField(label: "From" | "To") {
  return screen.getByRole<HTMLInputElement>("textbox", { name: label });
}

/** The words a field's aria-describedby points at; null when it points at none. */
function problemOf(field: HTMLElement) {
  const id = field.getAttribute("aria-describedby");
  return id === null ? null : (document.getElementById(id)?.textContent ?? null);
}

function lastQuery() {
  return vi.mocked(historyQuery).mock.lastCall?.[0];
}

describe("History", () => {
  it("says how risky each request looked and which decisions were made in a batch", async () => {
    const wipe = makeAuditEntry({
      seq: 5,
      event: "requested",
      title: "Clean the web root",
      details: "rm -rf /srv/www",
      risk_level: "high",
      risk_rule: "deletes files recursively",
    });
    const batched = makeAuditEntry({
      seq: 4,
      event: "resolved",
      outcome: "approved",
      decided_by: "popover",
      batch: 3,
    });
    const older = makeAuditEntry({ seq: 3, risk_level: null });
    await showHistory(page([wipe, batched, older]));

    const [risky, inBatch, beforeRisk] = await waitFor(() => {
      const rows = entries();
      expect(rows).toHaveLength(3);
      return rows.map((row) => within(row));
    });
    expect(risky!.getByText("High risk · deletes files recursively")).toBeTruthy();
    expect(inBatch!.getByText("decided by Popover, in a batch of 3")).toBeTruthy();
    // Low risk is the ordinary case, and an entry from before the log kept risk has none.
    expect(inBatch!.queryByText(/risk/i)).toBeNull();
    expect(beforeRisk!.queryByText(/risk/i)).toBeNull();
  });

  it("names the phone's device a decision came from", async () => {
    const fromPhone = makeAuditEntry({
      seq: 9,
      event: "resolved",
      outcome: "denied",
      decided_by: "phone",
      device: "QXLKPHONE",
      reason: "not on a Friday",
    });
    await showHistory(page([fromPhone]));
    const row = await waitFor(() => {
      const rows = entries();
      expect(rows).toHaveLength(1);
      return within(rows[0]!);
    });
    expect(row.getByText("decided by Phone (device QXLKPHONE)")).toBeTruthy();
    expect(row.getByText("Reason: not on a Friday")).toBeTruthy();
  });

  it("says when the person's own rule denied a call before its agent asked", async () => {
    const refused = makeAuditEntry({
      seq: 7,
      event: "resolved",
      outcome: "denied",
      decided_by: "policy",
      reason:
        "high risk (deletes files recursively); the person's rule denies such calls from agents that ask only in their own prompt",
    });
    await showHistory(page([refused]));

    const row = await waitFor(() => within(entries()[0]!));
    expect(row.getByText("decided by your rule")).toBeTruthy();
    expect(row.getByText(/^Reason: high risk \(deletes files recursively\)/)).toBeTruthy();
  });

  it("lists entries as given (newest first) with everything the log recorded", async () => {
    await showHistory(page([denied, requested]));

    const [first, second] = await waitFor(() => {
      const rows = entries();
      expect(rows).toHaveLength(2);
      return rows.map((row) => within(row));
    });
    expect(first!.getByText("24 Nov 2026, 05:33:10")).toBeTruthy();
    expect(first!.getByText("claude in ~/shop")).toBeTruthy();
    expect(first!.getByText("Resolved")).toBeTruthy();
    expect(first!.getByText("Denied")).toBeTruthy();
    expect(first!.getByText("decided by Keyboard shortcut")).toBeTruthy();
    expect(first!.getByText("Reason: not on a friday")).toBeTruthy();
    expect(second!.getByText("24 Nov 2026, 05:33:06")).toBeTruthy();
    expect(second!.getByText("Requested")).toBeTruthy();
    expect(second!.getByText("Deploy to production")).toBeTruthy();
    expect(second!.getByText("kubectl apply -f prod.yaml").tagName).toBe("PRE");
    expect(second!.getByText("Requested by pid 4242 · uid 1000 · /usr/bin/claude")).toBeTruthy();
    expect(historyQuery).toHaveBeenCalledExactlyOnceWith(FIRST_PAGE);
  });

  it("shows the choice the agent was let remember", async () => {
    const choice = "Always allow `Bash(npm test:*)` in this project (only you)";
    const approved = makeAuditEntry({
      seq: 3,
      event: "resolved",
      outcome: "approved",
      decided_by: "popover",
      remembered: choice,
    });
    await showHistory(page([approved, denied]));

    const [first, second] = await waitFor(() => {
      const rows = entries();
      expect(rows).toHaveLength(2);
      return rows;
    });
    expect(within(first!).getByText(`Remembered by the agent: ${choice}`)).toBeTruthy();
    expect(second!.querySelector(".remembered")).toBeNull();
  });

  it("says a Converge job's action in words, its id on hover, and others' verbatim", async () => {
    const inbox = loadedInbox();
    inbox.apply(
      makeEvent(2, {
        type: "agent-updated",
        agent: makeAgent({ id: "converge:run-7", name: "Expense review", kind: "converge" }),
      }),
    );
    const gate = { action: "converge.promote:Proposals", title: "Reimburse 1840.00 EUR" };
    const now = makeAuditEntry({ seq: 3, agent_id: "converge:run-7", ...gate });
    // A run of an earlier session: the inbox no longer knows its agent, only its id.
    const earlier = makeAuditEntry({ seq: 2, agent_id: "converge:run-1", ...gate });
    const bash = makeAuditEntry({ seq: 1, agent_id: "agent-1", action: "Bash" });
    await showHistory(page([now, earlier, bash]), inbox);

    const rows = await waitFor(() => {
      const shown = entries();
      expect(shown).toHaveLength(3);
      return shown;
    });
    const actions = rows.map((row) => row.querySelector<HTMLElement>(".request-action")!);
    expect(actions.map((action) => action.textContent)).toEqual([
      "Promote the proposals",
      "Promote the proposals",
      "Bash",
    ]);
    expect(actions.map((action) => action.title)).toEqual([
      "converge.promote:Proposals",
      "converge.promote:Proposals",
      "",
    ]);
  });

  it("shows a grant's making and end, and a request a grant approved", async () => {
    const scope = "agent agent-1 in /home/me/shop, until 2025-01-15 13:00:00 UTC";
    const grantEntry = {
      action: "Bash",
      title: "Bash commands starting with `git status`",
      details: scope,
      grant_id: "grant-1",
    };
    const made = makeAuditEntry({
      seq: 1,
      event: "grant-made",
      decided_by: "popover",
      ...grantEntry,
    });
    const used = makeAuditEntry({
      seq: 3,
      event: "resolved",
      title: "git status --short",
      outcome: "approved",
      decided_by: "grant",
      grant_id: "grant-1",
    });
    const revoked = makeAuditEntry({
      seq: 4,
      event: "grant-ended",
      decided_by: "window",
      ...grantEntry,
    });
    const ended = makeAuditEntry({
      seq: 5,
      event: "grant-ended",
      decided_by: "system",
      ...grantEntry,
    });
    await showHistory(page([ended, revoked, used, made]));

    const [endedRow, revokedRow, usedRow, madeRow] = await waitFor(() => {
      const rows = entries();
      expect(rows).toHaveLength(4);
      return rows.map((row) => within(row));
    });
    expect(madeRow!.getByText("Grant made")).toBeTruthy();
    expect(madeRow!.getByText("made through Popover")).toBeTruthy();
    expect(madeRow!.getByText("Bash commands starting with `git status`")).toBeTruthy();
    expect(madeRow!.getByText(scope).tagName).toBe("PRE");
    expect(usedRow!.getByText("Approved")).toBeTruthy();
    expect(usedRow!.getByText("approved by a grant")).toBeTruthy();
    expect(usedRow!.queryByText(/decided by/)).toBeNull();
    expect(revokedRow!.getByText("Grant ended")).toBeTruthy();
    expect(revokedRow!.getByText("revoked through Full window")).toBeTruthy();
    expect(revokedRow!.getByText(scope)).toBeTruthy();
    expect(endedRow!.getByText("ended with its session")).toBeTruthy();
  });

  it("shows agent-written markup as literal text", async () => {
    const markup = "<img src=x onerror=alert(1)>";
    const { container } = await showHistory(
      page([
        makeAuditEntry({
          seq: 1,
          title: markup,
          details: markup,
          reason: markup,
          remembered: markup,
        }),
      ]),
    );

    await waitFor(() => expect(screen.getAllByText(markup)).toHaveLength(2));
    expect(screen.getByText(`Reason: ${markup}`)).toBeTruthy();
    expect(screen.getByText(`Remembered by the agent: ${markup}`)).toBeTruthy();
    expect(container.querySelector("img")).toBeNull();
  });

  it("collapses long details and expands them on request", async () => {
    const long = Array.from({ length: 12 }, (_, i) => `line ${i + 1}`).join("\n");
    const { user } = await showHistory(page([makeAuditEntry({ seq: 1, details: long })]));

    const toggle = await screen.findByRole("button", { name: "Show all details" });
    expect(toggle.getAttribute("aria-expanded")).toBe("false");
    await user.click(toggle);

    expect(toggle.getAttribute("aria-expanded")).toBe("true");
    expect(toggle.textContent?.trim()).toBe("Show less");
  });

  it("searches once the typing pauses", async () => {
    const { user } = await showHistory(page([requested]));

    await user.type(screen.getByRole("searchbox", { name: "Search" }), "kubectl");

    await waitFor(() => expect(lastQuery()).toEqual({ ...FIRST_PAGE, text: "kubectl" }));
    expect(historyQuery).toHaveBeenCalledTimes(2);
  });

  it("waits 250 ms after the last key before searching", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    await showHistory(page([requested]));
    const search = screen.getByRole("searchbox", { name: "Search" });

    await fireEvent.input(search, { target: { value: "kub" } });
    vi.advanceTimersByTime(200);
    await fireEvent.input(search, { target: { value: "kubectl" } });
    vi.advanceTimersByTime(249);
    expect(historyQuery).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1);

    expect(historyQuery).toHaveBeenCalledTimes(2);
    expect(lastQuery()).toEqual({ ...FIRST_PAGE, text: "kubectl" });
  });

  it("filters by agent, outcome, event and dates, the end date included", async () => {
    const { user } = await showHistory(page([requested]));

    await user.selectOptions(screen.getByRole("combobox", { name: "Agent" }), "codex");
    expect(lastQuery()).toEqual({ ...FIRST_PAGE, agent_id: "agent-2" });
    await user.selectOptions(screen.getByRole("combobox", { name: "Outcome" }), "Timed out");
    await user.selectOptions(screen.getByRole("combobox", { name: "Event" }), "Resolved");
    await user.type(dateField("From"), "1 Nov 2026");
    await user.tab();
    await user.type(dateField("To"), "24 Nov 2026{Enter}");

    expect(lastQuery()).toEqual({
      ...FIRST_PAGE,
      agent_id: "agent-2",
      outcome: "timed-out",
      event: "resolved",
      from: new Date(2026, 10, 1).getTime(),
      to: new Date(2026, 10, 25).getTime(),
    });
    expect(historyQuery).toHaveBeenCalledTimes(6);
  });

  describe("dates", () => {
    it("are typed as the entries write them, with the format shown", async () => {
      await showHistory(page([requested]));

      for (const label of ["From", "To"] as const) {
        const field = dateField(label);
        expect(field.type).toBe("text");
        expect(field.placeholder).toBe("6 Dec 2026");
        expect(field.getAttribute("aria-invalid")).toBe("false");
        expect(problemOf(field)).toBeNull();
      }
    });

    it("filter once Enter is pressed, and show the day as the entries write it", async () => {
      const { user } = await showHistory(page([requested]));

      await user.type(dateField("From"), "6 december 2026{Enter}");

      expect(lastQuery()).toEqual({ ...FIRST_PAGE, from: new Date(2026, 11, 6).getTime() });
      expect(dateField("From").value).toBe("6 Dec 2026");
      // Leaving the field reads the same day again: no second query.
      await user.tab();
      expect(historyQuery).toHaveBeenCalledTimes(2);
    });

    it("filter once the field is left, ISO days and yesterday included", async () => {
      vi.useFakeTimers({ toFake: ["Date"] });
      vi.setSystemTime(new Date(2026, 11, 7, 9, 0, 0));
      const { user } = await showHistory(page([requested]));

      await user.type(dateField("From"), "2026-12-01");
      await user.type(dateField("To"), "Yesterday");
      await user.tab();

      expect(lastQuery()).toEqual({
        ...FIRST_PAGE,
        from: new Date(2026, 11, 1).getTime(),
        to: new Date(2026, 11, 7).getTime(),
      });
      expect(dateField("From").value).toBe("1 Dec 2026");
      expect(dateField("To").value).toBe("6 Dec 2026");
      expect(historyQuery).toHaveBeenCalledTimes(3);
    });

    it("say what is wrong with a date that is not one, and filter by no bound", async () => {
      const { user } = await showHistory(page([requested]));
      const from = dateField("From");
      await user.type(from, "1 Nov 2026{Enter}");
      expect(lastQuery()).toEqual({ ...FIRST_PAGE, from: new Date(2026, 10, 1).getTime() });

      await user.clear(from);
      await user.type(from, "31 Feb 2026");
      await user.tab();

      expect(lastQuery()).toEqual(FIRST_PAGE);
      expect(from.value).toBe("31 Feb 2026");
      expect(from.getAttribute("aria-invalid")).toBe("true");
      expect(problemOf(from)).toBe("Not a date: write it as 6 Dec 2026");

      await user.clear(from);
      await user.type(from, "12/06/2026{Enter}");
      expect(problemOf(from)).toBe("Not a date: write it as 6 Dec 2026");
      // Still no bound, so nothing to ask again.
      expect(historyQuery).toHaveBeenCalledTimes(3);

      await user.clear(from);
      await user.tab();
      expect(from.getAttribute("aria-invalid")).toBe("false");
      expect(problemOf(from)).toBeNull();
      expect(screen.queryByText(/Not a date/)).toBeNull();
      expect(lastQuery()).toEqual(FIRST_PAGE);
    });

    it("say when From is after To, and leave both out rather than list nothing", async () => {
      const { user } = await showHistory(page([requested]));
      const from = dateField("From");
      const to = dateField("To");

      await user.type(from, "7 Dec 2026{Enter}");
      await user.type(to, "6 Dec 2026{Enter}");

      expect(lastQuery()).toEqual(FIRST_PAGE);
      for (const field of [from, to]) {
        expect(field.getAttribute("aria-invalid")).toBe("true");
        expect(problemOf(field)).toBe("From is after To");
      }
      expect(screen.getAllByText("From is after To")).toHaveLength(1);

      await user.clear(to);
      await user.type(to, "8 Dec 2026{Enter}");

      expect(lastQuery()).toEqual({
        ...FIRST_PAGE,
        from: new Date(2026, 11, 7).getTime(),
        to: new Date(2026, 11, 9).getTime(),
      });
      expect(screen.queryByText("From is after To")).toBeNull();
      expect(from.getAttribute("aria-invalid")).toBe("false");
      expect(to.getAttribute("aria-invalid")).toBe("false");
    });
  });

  it("offers every agent the inbox knows, and All", async () => {
    await showHistory(page([]));

    const options = within(screen.getByRole("combobox", { name: "Agent" })).getAllByRole("option");
    expect(options.map((option) => option.textContent)).toEqual([
      "All",
      "claude in ~/shop",
      "codex",
    ]);
  });

  it("loads more from where the page ended, then starts over when a filter changes", async () => {
    const { user } = await showHistory(page([denied], 2));
    vi.mocked(historyQuery).mockResolvedValueOnce(page([requested], null));

    await user.click(await screen.findByRole("button", { name: "Load more" }));

    expect(lastQuery()).toEqual({ ...FIRST_PAGE, before_seq: 2 });
    await waitFor(() => expect(entries()).toHaveLength(2));
    expect(screen.queryByRole("button", { name: "Load more" })).toBeNull();

    vi.mocked(historyQuery).mockResolvedValueOnce(page([denied], null));
    await user.selectOptions(screen.getByRole("combobox", { name: "Outcome" }), "Denied");

    expect(lastQuery()).toEqual({ ...FIRST_PAGE, outcome: "denied" });
    await waitFor(() => expect(entries()).toHaveLength(1));
  });

  it("drops an answer that arrives after the filters changed again", async () => {
    let answerSlowly: (page: HistoryPage) => void = () => {};
    const { user } = await showHistory(page([]));
    vi.mocked(historyQuery)
      .mockReturnValueOnce(new Promise((resolve) => (answerSlowly = resolve)))
      .mockResolvedValueOnce(page([denied]));

    await user.selectOptions(screen.getByRole("combobox", { name: "Event" }), "Requested");
    await user.selectOptions(screen.getByRole("combobox", { name: "Event" }), "Resolved");
    await waitFor(() => expect(entries()).toHaveLength(1));
    answerSlowly(page([requested, makeAuditEntry({ seq: 9 })]));
    await new Promise((resolve) => setTimeout(resolve, 0));

    expect(entries()).toHaveLength(1);
    expect(within(entries()[0]!).getByText("Resolved")).toBeTruthy();
  });

  it("says when nothing is recorded, and when nothing matches", async () => {
    const { user } = await showHistory(page([]));

    expect(await screen.findByText(/Nothing recorded yet/)).toBeTruthy();
    await user.selectOptions(screen.getByRole("combobox", { name: "Outcome" }), "Approved");

    expect(await screen.findByText("No entries match these filters.")).toBeTruthy();
  });

  it("shows the backend's error", async () => {
    vi.mocked(historyQuery).mockRejectedValue("database is locked");
    render(HistoryView, { inbox: loadedInbox() });

    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toBe("Could not load the history: database is locked");
  });

  describe("verify", () => {
    it("says how many entries were verified when the chain is intact", async () => {
      vi.mocked(auditVerify).mockResolvedValue({ entries: 1234, first_broken: null });
      const { user } = await showHistory(page([]));

      await user.click(screen.getByRole("button", { name: "Verify audit log" }));

      await waitFor(() =>
        expect(screen.getByRole("status").textContent?.trim()).toBe(
          "1234 entries verified, chain intact",
        ),
      );
    });

    it("names the first broken entry", async () => {
      vi.mocked(auditVerify).mockResolvedValue({
        entries: 40,
        first_broken: { seq: 17, problem: "hash does not match its contents" },
      });
      const { user } = await showHistory(page([]));

      await user.click(screen.getByRole("button", { name: "Verify audit log" }));

      await waitFor(() =>
        expect(screen.getByRole("status").textContent?.trim()).toBe(
          "Broken at entry 17: hash does not match its contents",
        ),
      );
    });

    it("shows why it could not verify", async () => {
      vi.mocked(auditVerify).mockRejectedValue("audit log unreadable");
      const { user } = await showHistory(page([]));

      await user.click(screen.getByRole("button", { name: "Verify audit log" }));

      expect((await screen.findByRole("alert")).textContent).toBe(
        "Could not verify the audit log: audit log unreadable",
      );
    });
  });

  describe("inbox events", () => {
    it("reload the first page with the current filters", async () => {
      const { inbox, user } = await showHistory(page([requested]));
      await user.selectOptions(screen.getByRole("combobox", { name: "Agent" }), "claude in ~/shop");
      await waitFor(() => expect(entries()).toHaveLength(1));
      vi.mocked(historyQuery).mockResolvedValue(page([denied, requested]));

      inbox.apply(resolved(2, makeRequest({ id: "req-1" })));

      expect(historyQuery).toHaveBeenCalledTimes(3);
      expect(lastQuery()).toEqual({ ...FIRST_PAGE, agent_id: "agent-1" });
      await waitFor(() => expect(entries()).toHaveLength(2));
    });

    it("reload the first page when a grant is made or ended, with no request event", async () => {
      const { inbox } = await showHistory(page([requested]));
      await waitFor(() => expect(entries()).toHaveLength(1));

      inbox.apply(makeEvent(2, { type: "grants-changed" }));

      expect(historyQuery).toHaveBeenCalledTimes(2);
      expect(lastQuery()).toEqual(FIRST_PAGE);
    });

    it("leave the list alone once more pages are shown", async () => {
      const { inbox, user } = await showHistory(page([denied], 2));
      vi.mocked(historyQuery).mockResolvedValueOnce(page([requested], null));
      await user.click(await screen.findByRole("button", { name: "Load more" }));
      await waitFor(() => expect(entries()).toHaveLength(2));

      inbox.apply(created(2, makeRequest({ id: "req-2" })));

      expect(historyQuery).toHaveBeenCalledTimes(2);
    });
  });
});
