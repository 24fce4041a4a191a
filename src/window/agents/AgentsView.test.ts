import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { tick } from "svelte";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Snapshot } from "../../lib/bindings/Snapshot";
import type { TimelineEntry } from "../../lib/bindings/TimelineEntry";
import {
  agentTimeline,
  agentsRemove,
  grantOffers,
  historyQuery,
  inboxApproveAndGrant,
  inboxDecide,
  inboxDecideBatch,
  terminalGo,
} from "../../lib/bindings/commands";
import { InboxStore } from "../../lib/inboxStore.svelte";
import { formatDateTime } from "../../lib/time";
import {
  NOW,
  agentUpdated,
  longDetails,
  makeAgent,
  makeAuditEntry,
  makeEvent,
  makeGrant,
  makeRequest,
  makeSnapshot,
  resolved,
} from "../../test/fixtures";
import AgentsView from "./AgentsView.svelte";

vi.mock("../../lib/bindings/commands", () => ({
  inboxDecide: vi.fn(),
  inboxDecideBatch: vi.fn(),
  historyQuery: vi.fn(),
  grantOffers: vi.fn(),
  inboxApproveAndGrant: vi.fn(),
  agentsRemove: vi.fn(),
  terminalGo: vi.fn(),
  agentTimeline: vi.fn(),
}));

beforeEach(() => {
  vi.useFakeTimers({ now: NOW, toFake: ["Date", "setInterval", "clearInterval"] });
  vi.mocked(inboxDecide).mockResolvedValue(undefined);
  vi.mocked(inboxDecideBatch).mockImplementation(async (requestIds) => ({
    decided: requestIds,
    refused: [],
  }));
  vi.mocked(historyQuery).mockResolvedValue({ entries: [], next_before: null });
  vi.mocked(agentTimeline).mockImplementation(async (agentId) => ({
    agent_id: agentId,
    entries: [],
    more: false,
  }));
});

afterEach(() => {
  vi.useRealTimers();
  vi.resetAllMocks();
});

const shop = makeAgent({
  id: "claude-shop",
  name: "claude in ~/shop",
  kind: "claude-code",
  state: "waiting-for-approval",
  activity: "Waiting to deploy",
  activity_at: NOW - 60_000,
  last_seen: NOW - 12_000,
  pending: 2,
});
const nightly = makeAgent({
  id: "nightly",
  name: "nightly script",
  kind: "script",
  state: "idle",
  last_seen: NOW - 180_000,
});
const deploy = makeRequest({
  id: "req-deploy",
  agent_id: "claude-shop",
  title: "Deploy to production",
  deadline: NOW + 60_000,
});
const migrate = makeRequest({
  id: "req-migrate",
  agent_id: "claude-shop",
  title: "Run the migration",
  deadline: NOW + 120_000,
});
const cleanup = makeRequest({ id: "req-cleanup", agent_id: "nightly", title: "Delete old logs" });

function showAgents(snapshot: Snapshot) {
  const inbox = new InboxStore();
  inbox.reset(snapshot);
  render(AgentsView, { inbox });
  return { inbox, user: userEvent.setup() };
}

const everything = makeSnapshot({ agents: [nightly, shop], pending: [cleanup, migrate, deploy] });

function agentButton(name: RegExp) {
  return within(screen.getByRole("list", { name: "Agents" })).getByRole("button", { name });
}

function detail() {
  return within(screen.getByRole("article"));
}

describe("Agents", () => {
  it("lists agents with kind, state, activity and how long ago they were seen", () => {
    showAgents(everything);

    const rows = within(screen.getByRole("list", { name: "Agents" }))
      .getAllByRole("button")
      .map((row) => row.textContent?.replace(/\s+/g, " ").trim());
    expect(rows).toEqual([
      "claude in ~/shop 12s ago Claude Code Waiting for approval Waiting to deploy",
      "nightly script 3m ago Script Idle",
    ]);
    expect(screen.getByText(/Select an agent/)).toBeTruthy();
  });

  it("shows the selected agent's details, pending approvals and history", async () => {
    vi.mocked(historyQuery).mockResolvedValue({
      entries: [makeAuditEntry({ seq: 3, agent_id: "claude-shop", title: "Read the logs" })],
      next_before: null,
    });
    const { user } = showAgents(everything);

    await user.click(agentButton(/claude in ~\/shop/));

    expect(agentButton(/claude in ~\/shop/).getAttribute("aria-current")).toBe("true");
    const pane = detail();
    expect(pane.getByRole("heading", { name: "claude in ~/shop" })).toBeTruthy();
    expect(pane.getByText("claude-shop")).toBeTruthy();
    expect(pane.getByText("Claude Code")).toBeTruthy();
    expect(pane.getByText("Waiting to deploy")).toBeTruthy();
    expect(pane.getByText(`· ${formatDateTime(NOW - 60_000)}`)).toBeTruthy();
    expect(pane.getByText(formatDateTime(NOW - 12_000), { exact: false })).toBeTruthy();
    const approvals = within(pane.getByRole("listbox", { name: "Pending approvals" }));
    const requestIds = approvals.getAllByRole("option").map((card) => card.dataset.requestId);
    expect(requestIds).toEqual(["req-deploy", "req-migrate"]);
    expect(historyQuery).toHaveBeenCalledExactlyOnceWith({
      agent_id: "claude-shop",
      outcome: null,
      event: null,
      text: null,
      from: null,
      to: null,
      before_seq: null,
      limit: 20,
      grant_id: null,
    });
    expect(await pane.findByText("Read the logs")).toBeTruthy();
  });

  it("approves a pending request of the agent", async () => {
    const { user } = showAgents(everything);
    await user.click(agentButton(/claude in ~\/shop/));

    const card = within(detail().getAllByRole("option")[1]!);
    await user.click(card.getByRole("button", { name: "Approve" }));

    expect(inboxDecide).toHaveBeenCalledExactlyOnceWith("req-migrate", { verdict: "approve" });
  });

  it("approves letting the agent remember a choice from the request's card", async () => {
    const choice = "Always allow `Bash(npm test:*)` in this project (only you)";
    const { user } = showAgents(
      makeSnapshot({
        agents: [shop],
        pending: [deploy, { ...migrate, remember_choices: [choice] }],
      }),
    );
    await user.click(agentButton(/claude in ~\/shop/));

    const card = within(detail().getAllByRole("option")[1]!);
    expect(card.getByText("Or approve and let Claude Code remember:")).toBeTruthy();
    await user.click(card.getByRole("button", { name: choice }));

    expect(inboxDecide).toHaveBeenCalledExactlyOnceWith("req-migrate", {
      verdict: "approve-remembering",
      choice,
    });
  });

  it("approves and grants from the request's card, one form open at a time", async () => {
    vi.mocked(grantOffers).mockResolvedValue({
      offers: [
        { what: { kind: "this-action" }, label: "exactly this Bash request" },
        { what: { kind: "tool" }, label: "any Bash request" },
      ],
      project: null,
    });
    vi.mocked(inboxApproveAndGrant).mockResolvedValue(makeGrant({ id: "grant-1" }));
    const { user } = showAgents(everything);
    await user.click(agentButton(/claude in ~\/shop/));
    const [first, second] = detail().getAllByRole("option").filter((o) => o.tagName === "LI");

    await user.click(within(first!).getByRole("button", { name: "Allow from now on…" }));
    await within(first!).findByRole("form", { name: "Allow from now on" });
    await user.click(within(second!).getByRole("button", { name: "Allow from now on…" }));
    const form = await within(second!).findByRole("form", { name: "Allow from now on" });
    expect(within(first!).queryByRole("form")).toBeNull();
    await user.click(await within(form).findByRole("radio", { name: "any Bash request" }));
    await user.selectOptions(within(form).getByRole("combobox"), "for 15 minutes");
    await user.click(within(form).getByRole("button", { name: "Approve and allow" }));

    expect(inboxApproveAndGrant).toHaveBeenCalledExactlyOnceWith("req-migrate", {
      what: { kind: "tool" },
      in_project: false,
      duration: "quarter-hour",
    });
    expect(inboxDecide).not.toHaveBeenCalled();
  });

  describe("knowing what is approved", () => {
    const risky = makeRequest({
      id: "req-rm",
      agent_id: "claude-shop",
      title: "Clean build",
      details: "rm -rf target/",
      deadline: NOW + 30_000,
      risk: { level: "high", rule: "deletes files recursively" },
    });
    const log = makeRequest({
      id: "req-log",
      agent_id: "claude-shop",
      title: "Upload the build log",
      action: "upload",
      details: longDetails(),
      deadline: NOW + 90_000,
    });

    function cardOf(requestId: string) {
      const card = detail()
        .getAllByRole("option")
        .find((option) => option.dataset.requestId === requestId);
      return within(card!);
    }

    it("approves a high-risk request only after Yes, approve", async () => {
      const { user } = showAgents(makeSnapshot({ agents: [shop], pending: [risky, deploy] }));
      await user.click(agentButton(/claude in ~\/shop/));
      const card = cardOf("req-rm");

      await user.click(card.getByRole("button", { name: "Approve" }));
      const ask = within(card.getByRole("group", { name: "Approve this high-risk request?" }));
      expect(ask.getByText("rm -rf target/")).toBeTruthy();
      expect(ask.getByText("High risk: deletes files recursively")).toBeTruthy();
      expect(document.activeElement).toBe(ask.getByRole("button", { name: "Cancel" }));
      await user.keyboard("{Enter}");
      expect(card.queryByRole("group")).toBeNull();
      expect(inboxDecide).not.toHaveBeenCalled();

      await user.click(card.getByRole("button", { name: "Approve" }));
      await user.click(card.getByRole("button", { name: "Yes, approve" }));

      expect(inboxDecide).toHaveBeenCalledExactlyOnceWith("req-rm", { verdict: "approve" });
    });

    it("approves a long text only once opened, and keeps it opened across agents", async () => {
      const { user } = showAgents(
        makeSnapshot({ agents: [nightly, shop], pending: [log, cleanup] }),
      );
      await user.click(agentButton(/claude in ~\/shop/));
      let card = cardOf("req-log");
      expect(card.getByText("85 KB · 1,500 lines")).toBeTruthy();
      expect(card.getByText("Open the details before approving.")).toBeTruthy();
      const approve = () => card.getByRole("button", { name: "Approve" }) as HTMLButtonElement;
      expect(approve().disabled).toBe(true);
      await user.click(approve());
      expect(inboxDecide).not.toHaveBeenCalled();

      await user.click(card.getByRole("button", { name: "Open all" }));
      expect(approve().disabled).toBe(false);

      // Another agent's pane, then back: what was opened is still read.
      await user.click(agentButton(/nightly script/));
      await user.click(agentButton(/claude in ~\/shop/));
      card = cardOf("req-log");
      expect(card.queryByText("Open the details before approving.")).toBeNull();
      await user.click(approve());

      expect(inboxDecide).toHaveBeenCalledExactlyOnceWith("req-log", { verdict: "approve" });
    });

    it("denies a long text without opening it", async () => {
      const { user } = showAgents(makeSnapshot({ agents: [shop], pending: [log] }));
      await user.click(agentButton(/claude in ~\/shop/));
      const card = cardOf("req-log");

      await user.click(card.getByRole("button", { name: "Deny" }));
      await user.click(card.getByRole("button", { name: "Confirm deny" }));

      expect(inboxDecide).toHaveBeenCalledExactlyOnceWith("req-log", {
        verdict: "deny",
        reason: null,
      });
    });
  });

  it("reloads the agent's history when a grant is made or ended", async () => {
    const { inbox, user } = showAgents(everything);
    await user.click(agentButton(/claude in ~\/shop/));
    await waitFor(() => expect(historyQuery).toHaveBeenCalledOnce());

    inbox.apply(makeEvent(2, { type: "grants-changed" }));

    expect(historyQuery).toHaveBeenCalledTimes(2);
  });

  it("denies with a reason", async () => {
    const { user } = showAgents(everything);
    await user.click(agentButton(/claude in ~\/shop/));

    const card = within(detail().getAllByRole("option")[0]!);
    await user.click(card.getByRole("button", { name: "Deny" }));
    await user.type(card.getByRole("textbox", { name: "Reason for denying (optional)" }), "no");
    await user.click(card.getByRole("button", { name: "Confirm deny" }));

    expect(inboxDecide).toHaveBeenCalledExactlyOnceWith("req-deploy", {
      verdict: "deny",
      reason: "no",
    });
  });

  it("shows the backend's refusal on the card", async () => {
    vi.mocked(inboxDecide).mockRejectedValue("already denied by the popover");
    const { user } = showAgents(everything);
    await user.click(agentButton(/claude in ~\/shop/));

    const card = within(detail().getAllByRole("option")[0]!);
    await user.click(card.getByRole("button", { name: "Approve" }));

    expect((await detail().findByRole("alert")).textContent).toBe("already denied by the popover");
  });

  it("drops a resolved request and reloads the agent's history", async () => {
    const { inbox, user } = showAgents(everything);
    await user.click(agentButton(/claude in ~\/shop/));
    await waitFor(() => expect(historyQuery).toHaveBeenCalledOnce());

    inbox.apply(resolved(2, deploy));

    await waitFor(() => expect(detail().getAllByRole("option")).toHaveLength(1));
    expect(historyQuery).toHaveBeenCalledTimes(2);
  });

  describe("deny all", () => {
    function denyAllButton() {
      return detail().getByRole("button", { name: "Deny all 2 pending" });
    }

    it("is offered only when the agent has two or more pending", async () => {
      const { user } = showAgents(everything);

      await user.click(agentButton(/nightly script/));
      expect(detail().queryByRole("button", { name: /Deny all/ })).toBeNull();
      expect(document.querySelector(".deny-all")).toBeNull();

      await user.click(agentButton(/claude in ~\/shop/));
      expect(denyAllButton().classList).toContain("deny-all");
    });

    it("asks first, then denies all of the agent's pending requests in one call", async () => {
      const { user } = showAgents(everything);
      await user.click(agentButton(/claude in ~\/shop/));

      await user.click(denyAllButton());
      expect(inboxDecideBatch).not.toHaveBeenCalled();
      const ask = within(detail().getByRole("group", { name: /Deny all/ }));
      expect(ask.getByText("Deny all 2 pending requests from claude in ~/shop?")).toBeTruthy();
      const confirm = ask.getByRole("button", { name: "Confirm" });
      expect(confirm.classList).toContain("deny-all-confirm");

      await user.click(confirm);

      expect(inboxDecideBatch).toHaveBeenCalledExactlyOnceWith(["req-deploy", "req-migrate"], {
        verdict: "deny",
        reason: "denied together from the full window",
      });
      expect(inboxDecide).not.toHaveBeenCalled();
      await waitFor(() => expect(detail().queryByRole("group", { name: /Deny all/ })).toBeNull());
    });

    it("does nothing when cancelled", async () => {
      const { user } = showAgents(everything);
      await user.click(agentButton(/claude in ~\/shop/));

      await user.click(denyAllButton());
      await user.click(detail().getByRole("button", { name: "Cancel" }));

      expect(inboxDecideBatch).not.toHaveBeenCalled();
      expect(inboxDecide).not.toHaveBeenCalled();
      expect(detail().queryByText(/pending requests from/)).toBeNull();
      expect(denyAllButton()).toBeTruthy();
    });

    it("denies only the requests it asked about, not one arriving meanwhile", async () => {
      const { inbox, user } = showAgents(everything);
      await user.click(agentButton(/claude in ~\/shop/));
      await user.click(denyAllButton());

      const arrived = makeRequest({ id: "req-new", agent_id: "claude-shop" });
      const pending = [cleanup, migrate, deploy, arrived];
      inbox.reset(makeSnapshot({ seq: 2, agents: [nightly, shop], pending }));
      await user.click(await detail().findByRole("button", { name: "Confirm" }));

      expect(inboxDecideBatch).toHaveBeenCalledExactlyOnceWith(["req-deploy", "req-migrate"], {
        verdict: "deny",
        reason: "denied together from the full window",
      });
    });

    it("says, as plain text, which were left and why", async () => {
      vi.mocked(inboxDecideBatch).mockResolvedValue({
        decided: ["req-deploy"],
        refused: [{ id: "req-migrate", reason: "already approved by the popover" }],
      });
      const { user } = showAgents(everything);
      await user.click(agentButton(/claude in ~\/shop/));

      await user.click(denyAllButton());
      await user.click(detail().getByRole("button", { name: "Confirm" }));

      const result = within(await detail().findByRole("status"));
      expect(result.getByText("Denied 1; 1 left as it was:")).toBeTruthy();
      expect(result.getByText("already approved by the popover")).toBeTruthy();
    });
  });

  describe("removing finished agents", () => {
    const done = makeAgent({ id: "done", name: "codex", state: "done", last_seen: NOW - 60_000 });
    const gone = makeAgent({
      id: "gone",
      name: "old session",
      state: "gone",
      last_seen: NOW - 600_000,
    });
    // Finished by its own word, but an approval of it still waits.
    const asking = makeAgent({
      id: "asking",
      name: "aider",
      state: "idle",
      pending: 1,
      last_seen: NOW - 30_000,
    });
    const finished = makeSnapshot({
      agents: [done, shop, asking, gone],
      pending: [deploy, migrate, makeRequest({ id: "req-aider", agent_id: "asking" })],
    });

    function removeFinishedButton() {
      return screen.queryByRole("button", {
        name: /^Remove finished agents/,
      }) as HTMLButtonElement | null;
    }

    function listedNames() {
      return within(screen.getByRole("list", { name: "Agents" }))
        .getAllByRole("button")
        .map((row) => row.querySelector(".name")?.textContent);
    }

    it("offers to remove the finished agents above the list, counting only those", async () => {
      const { inbox } = showAgents(makeSnapshot({ agents: [shop, asking] }));
      expect(removeFinishedButton()).toBeNull();

      inbox.apply(agentUpdated(2, done));
      inbox.apply(agentUpdated(3, gone));

      await waitFor(() =>
        expect(removeFinishedButton()?.textContent?.trim()).toBe("Remove finished agents (2)"),
      );
      const list = screen.getByRole("list", { name: "Agents" });
      expect(removeFinishedButton()!.compareDocumentPosition(list)).toBe(
        Node.DOCUMENT_POSITION_FOLLOWING,
      );
    });

    it("removes exactly the finished agents, which leave once the inbox says so", async () => {
      vi.mocked(agentsRemove).mockResolvedValue(["done", "gone"]);
      const { inbox, user } = showAgents(finished);

      await user.click(removeFinishedButton()!);

      expect(agentsRemove).toHaveBeenCalledExactlyOnceWith(["done", "gone"]);
      inbox.apply(makeEvent(2, { type: "agents-removed", ids: ["done", "gone"] }));
      await waitFor(() => expect(listedNames()).toEqual(["claude in ~/shop", "aider"]));
      expect(removeFinishedButton()).toBeNull();
    });

    it("cannot be clicked again while the removal runs", async () => {
      let answer: (ids: string[]) => void = () => {};
      vi.mocked(agentsRemove).mockReturnValue(new Promise((resolve) => (answer = resolve)));
      const { user } = showAgents(finished);

      await user.click(removeFinishedButton()!);
      expect(removeFinishedButton()?.disabled).toBe(true);
      await user.click(removeFinishedButton()!);
      expect(agentsRemove).toHaveBeenCalledOnce();

      answer(["done", "gone"]);
      await waitFor(() => expect(removeFinishedButton()?.disabled).toBe(false));
    });

    it("says why the finished agents could not be removed", async () => {
      vi.mocked(agentsRemove).mockRejectedValue("the inbox database is locked");
      const { user } = showAgents(finished);

      await user.click(removeFinishedButton()!);

      expect((await screen.findByRole("alert")).textContent?.trim()).toBe(
        "Could not clear the finished agents: the inbox database is locked",
      );
      expect(listedNames()).toHaveLength(4);
    });

    it("clears the selection when the selected agent is among those removed", async () => {
      vi.mocked(agentsRemove).mockResolvedValue(["done", "gone"]);
      const { inbox, user } = showAgents(finished);
      await user.click(agentButton(/codex/));

      await user.click(removeFinishedButton()!);
      inbox.apply(makeEvent(2, { type: "agents-removed", ids: ["done", "gone"] }));

      await waitFor(() => expect(screen.queryByRole("article")).toBeNull());
      expect(screen.getByText(/Select an agent/)).toBeTruthy();

      inbox.apply(agentUpdated(3, done));
      await waitFor(() => expect(listedNames()).toContain("codex"));
      expect(agentButton(/codex/).getAttribute("aria-current")).toBeNull();
    });

    it("offers to remove a finished agent from its detail, saying it may come back", async () => {
      const { user } = showAgents(finished);

      await user.click(agentButton(/codex/));
      const remove = detail().getByRole("button", { name: "Remove from the list" });
      expect(remove.getAttribute("aria-describedby")).toBe("agent-remove-hint");
      expect(document.getElementById("agent-remove-hint")?.textContent).toBe(
        "It comes back if it reports again.",
      );

      for (const name of [/claude in ~\/shop/, /aider/]) {
        await user.click(agentButton(name));
        expect(detail().queryByRole("button", { name: "Remove from the list" })).toBeNull();
        expect(detail().queryByText("It comes back if it reports again.")).toBeNull();
      }
    });

    it("removes the agent from its detail, then shows no agent selected", async () => {
      vi.mocked(agentsRemove).mockResolvedValue(["done"]);
      const { inbox, user } = showAgents(finished);
      await user.click(agentButton(/codex/));

      await user.click(detail().getByRole("button", { name: "Remove from the list" }));

      expect(agentsRemove).toHaveBeenCalledExactlyOnceWith(["done"]);
      await waitFor(() => expect(screen.getByText(/Select an agent/)).toBeTruthy());
      expect(screen.queryByRole("article")).toBeNull();
      inbox.apply(makeEvent(2, { type: "agents-removed", ids: ["done"] }));
      await waitFor(() => expect(listedNames()).not.toContain("codex"));

      // Heard from again, it is listed again, but not shown as chosen.
      inbox.apply(agentUpdated(3, { ...done, state: "working" }));
      await waitFor(() => expect(listedNames()).toContain("codex"));
      expect(agentButton(/codex/).getAttribute("aria-current")).toBeNull();
      expect(screen.queryByRole("article")).toBeNull();
    });

    it("shows no agent selected when the inbox drops the agent before the answer", async () => {
      let answer: (ids: string[]) => void = () => {};
      vi.mocked(agentsRemove).mockReturnValue(new Promise((resolve) => (answer = resolve)));
      const { inbox, user } = showAgents(finished);
      await user.click(agentButton(/codex/));
      await user.click(detail().getByRole("button", { name: "Remove from the list" }));

      inbox.apply(makeEvent(2, { type: "agents-removed", ids: ["done"] }));

      await waitFor(() => expect(screen.getByText(/Select an agent/)).toBeTruthy());
      expect(screen.queryByRole("article")).toBeNull();
      answer(["done"]);
      await tick();
      inbox.apply(agentUpdated(3, done));
      await waitFor(() => expect(listedNames()).toContain("codex"));
      expect(agentButton(/codex/).getAttribute("aria-current")).toBeNull();
    });

    it("says why the agent could not be removed, and keeps it selected", async () => {
      vi.mocked(agentsRemove).mockRejectedValue("the inbox database is locked");
      const { user } = showAgents(finished);
      await user.click(agentButton(/codex/));

      await user.click(detail().getByRole("button", { name: "Remove from the list" }));

      expect((await detail().findByRole("alert")).textContent).toBe(
        "Could not remove it from the list: the inbox database is locked",
      );
      expect(agentButton(/codex/).getAttribute("aria-current")).toBe("true");
    });
  });

  it("says when an agent has nothing pending", async () => {
    const { user } = showAgents(makeSnapshot({ agents: [nightly] }));

    await user.click(agentButton(/nightly script/));

    expect(detail().getByText("Nothing from this agent is waiting for a decision.")).toBeTruthy();
    expect(detail().getByText("None reported")).toBeTruthy();
  });

  it("shows a Converge job's gate in words, with no standing grant, in the agent's detail", async () => {
    const job = makeAgent({ id: "converge:run-7", name: "Expense review", kind: "converge" });
    const gate = {
      agent_id: job.id,
      action: "converge.promote:Proposals",
      title: "Reimburse 1840.00 EUR to Dana Okafor",
    };
    vi.mocked(historyQuery).mockResolvedValue({
      entries: [makeAuditEntry({ seq: 3, ...gate })],
      next_before: null,
    });
    const { user } = showAgents(
      makeSnapshot({ agents: [job], pending: [makeRequest({ id: "req-gate", ...gate })] }),
    );

    await user.click(agentButton(/Expense review/));

    const card = within(detail().getByRole("option"));
    expect(card.getByText("Promote the proposals").title).toBe("converge.promote:Proposals");
    expect(card.getByText("Requested by a Converge job in the app")).toBeTruthy();
    expect(card.queryByRole("button", { name: "Allow from now on…" })).toBeNull();
    const history = within(detail().getByRole("list", { name: "Recent history of this agent" }));
    expect((await history.findByText("Promote the proposals")).title).toBe(
      "converge.promote:Proposals",
    );
  });

  it("goes to the terminal the agent runs in, and says why not when it cannot", async () => {
    vi.mocked(terminalGo).mockResolvedValue({
      arrived: false,
      done: [],
      problem: "The agent and the terminal it ran in have ended: there is nothing to go to.",
    });
    const { user } = showAgents(everything);
    await user.click(agentButton(/nightly script/));

    await user.click(detail().getByRole("button", { name: "Go to terminal" }));

    expect(terminalGo).toHaveBeenCalledExactlyOnceWith(null, "nightly");
    expect((await detail().findByRole("status")).textContent).toBe(
      "The agent and the terminal it ran in have ended: there is nothing to go to.",
    );
  });

  it("offers no terminal in a Converge job's detail, as it does in any other's", async () => {
    const job = makeAgent({ id: "converge:run-7", name: "Expense review", kind: "converge" });
    const { user } = showAgents(makeSnapshot({ agents: [job, nightly] }));

    await user.click(agentButton(/Expense review/));
    expect(detail().queryByRole("button", { name: "Go to terminal" })).toBeNull();

    await user.click(agentButton(/nightly script/));
    expect(detail().getByRole("button", { name: "Go to terminal" })).toBeTruthy();
  });

  describe("timeline", () => {
    function page(entries: TimelineEntry[], more: boolean) {
      return { agent_id: "claude-shop", entries, more };
    }

    function reported(at: number, activity: string | null): TimelineEntry {
      return { at, what: { kind: "reported", state: "working", activity } };
    }

    /** Each entry of the timeline as read: its kind, time, label and text. */
    function timelineRows() {
      const list = document.querySelector("ol.timeline");
      if (list === null) return [];
      return [...list.querySelectorAll("li.timeline-entry")].map((entry) => ({
        kind: entry.getAttribute("data-kind"),
        time: entry.querySelector("time")?.textContent,
        label: entry.querySelector(".label-text")?.textContent,
        text: entry.querySelector(".text")?.textContent?.replace(/\s+/g, " ").trim() ?? null,
      }));
    }

    function loadOlder() {
      return detail().queryByRole("button", { name: "Load older" });
    }

    it("loads the selected agent's timeline, newest first, naming each kind", async () => {
      vi.mocked(agentTimeline).mockResolvedValue(
        page(
          [
            {
              at: NOW - 1_000,
              what: {
                kind: "resolved",
                request_id: "q1",
                action: "AskUserQuestion",
                title: "Which database?",
                outcome: "approved",
                by: "notification",
              },
            },
            {
              at: NOW - 2_000,
              what: {
                kind: "asked",
                request_id: "q1",
                action: "AskUserQuestion",
                title: "Which database?",
              },
            },
            {
              at: NOW - 3_000,
              what: {
                kind: "resolved",
                request_id: "r2",
                action: "Bash",
                title: "Deploy to production",
                outcome: "timed-out",
                by: "timeout",
              },
            },
            {
              at: NOW - 4_000,
              what: {
                kind: "resolved",
                request_id: "r3",
                action: "Bash",
                title: "Delete the cache",
                outcome: "denied",
                by: "window",
              },
            },
            {
              at: NOW - 5_000,
              what: {
                kind: "resolved",
                request_id: "r1",
                action: "Bash",
                title: "Run the tests",
                outcome: "approved",
                by: "popover",
              },
            },
            {
              at: NOW - 6_000,
              what: { kind: "asked", request_id: "r1", action: "Bash", title: "Run the tests" },
            },
            {
              at: NOW - 7_000,
              what: {
                kind: "asked",
                request_id: "p1",
                action: "ExitPlanMode",
                title: "Plan: cache the prices",
              },
            },
            reported(NOW - 8_000, "Ran Bash: cargo test"),
            { at: NOW - 9_000, what: { kind: "reported", state: "done", activity: null } },
          ],
          false,
        ),
      );
      const { user } = showAgents(everything);

      await user.click(agentButton(/claude in ~\/shop/));

      await waitFor(() => expect(timelineRows()).toHaveLength(9));
      expect(agentTimeline).toHaveBeenCalledExactlyOnceWith("claude-shop", null);
      expect(timelineRows()).toEqual([
        {
          kind: "resolved",
          time: formatDateTime(NOW - 1_000),
          label: "Answered by notification",
          text: "Which database? AskUserQuestion",
        },
        {
          kind: "asked",
          time: formatDateTime(NOW - 2_000),
          label: "Question",
          text: "Which database? AskUserQuestion",
        },
        {
          kind: "resolved",
          time: formatDateTime(NOW - 3_000),
          label: "Timed out",
          text: "Deploy to production Bash",
        },
        {
          kind: "resolved",
          time: formatDateTime(NOW - 4_000),
          label: "Denied by full window",
          text: "Delete the cache Bash",
        },
        {
          kind: "resolved",
          time: formatDateTime(NOW - 5_000),
          label: "Approved by popover",
          text: "Run the tests Bash",
        },
        {
          kind: "asked",
          time: formatDateTime(NOW - 6_000),
          label: "Asked",
          text: "Run the tests Bash",
        },
        {
          kind: "asked",
          time: formatDateTime(NOW - 7_000),
          label: "Plan",
          text: "Plan: cache the prices ExitPlanMode",
        },
        {
          kind: "reported",
          time: formatDateTime(NOW - 8_000),
          label: "Working",
          text: "Ran Bash: cargo test",
        },
        { kind: "reported", time: formatDateTime(NOW - 9_000), label: "Done", text: null },
      ]);
      expect(loadOlder()).toBeNull();
      expect(detail().queryByText("Nothing recorded yet for this agent.")).toBeNull();
    });

    it("loads older entries with the last entry's time, and adds them below", async () => {
      vi.mocked(agentTimeline)
        .mockResolvedValueOnce(
          page([reported(NOW - 1_000, "Edit: src/lib.rs"), reported(NOW - 5_000, "Read")], true),
        )
        .mockResolvedValueOnce(page([reported(NOW - 9_000, "Bash: cargo build")], false));
      const { user } = showAgents(everything);
      await user.click(agentButton(/claude in ~\/shop/));

      await user.click(await detail().findByRole("button", { name: "Load older" }));

      await waitFor(() => expect(timelineRows()).toHaveLength(3));
      expect(vi.mocked(agentTimeline).mock.calls).toEqual([
        ["claude-shop", null],
        ["claude-shop", NOW - 5_000],
      ]);
      expect(timelineRows().map((row) => row.text)).toEqual([
        "Edit: src/lib.rs",
        "Read",
        "Bash: cargo build",
      ]);
      // The last page: nothing older to load.
      expect(loadOlder()).toBeNull();
    });

    it("puts what the agent reports next on top, keeping the older entries loaded", async () => {
      vi.mocked(agentTimeline)
        .mockResolvedValueOnce(page([reported(NOW - 5_000, "Read")], true))
        .mockResolvedValueOnce(page([reported(NOW - 9_000, "Bash: cargo build")], false))
        .mockResolvedValueOnce(
          page([reported(NOW, "Ran Bash: cargo test"), reported(NOW - 5_000, "Read")], true),
        );
      const { inbox, user } = showAgents(everything);
      await user.click(agentButton(/claude in ~\/shop/));
      await user.click(await detail().findByRole("button", { name: "Load older" }));
      await waitFor(() => expect(timelineRows()).toHaveLength(2));

      inbox.apply(
        agentUpdated(2, { ...shop, activity: "Ran Bash: cargo test", activity_at: NOW }),
      );

      await waitFor(() => expect(timelineRows()).toHaveLength(3));
      expect(agentTimeline).toHaveBeenCalledTimes(3);
      expect(agentTimeline).toHaveBeenLastCalledWith("claude-shop", null);
      expect(timelineRows().map((row) => row.text)).toEqual([
        "Ran Bash: cargo test",
        "Read",
        "Bash: cargo build",
      ]);
      expect(loadOlder()).toBeNull();
    });

    it("says plainly when nothing is recorded yet", async () => {
      const { user } = showAgents(everything);

      await user.click(agentButton(/nightly script/));

      expect(await detail().findByText("Nothing recorded yet for this agent.")).toBeTruthy();
      expect(agentTimeline).toHaveBeenCalledExactlyOnceWith("nightly", null);
      expect(document.querySelector("ol.timeline")).toBeNull();
    });

    it("says in the view why the timeline could not be loaded, and tries again", async () => {
      vi.mocked(agentTimeline)
        .mockRejectedValueOnce("the activity table is locked")
        .mockResolvedValueOnce(page([reported(NOW - 1_000, "Read")], false));
      const { user } = showAgents(everything);
      await user.click(agentButton(/nightly script/));

      const alert = await detail().findByRole("alert");
      expect(alert.textContent).toContain(
        "Could not load the timeline: the activity table is locked",
      );
      expect(detail().queryByText("Nothing recorded yet for this agent.")).toBeNull();

      await user.click(within(alert).getByRole("button", { name: "Try again" }));

      await waitFor(() => expect(timelineRows()).toHaveLength(1));
      expect(detail().queryByRole("alert")).toBeNull();
    });
  });

  describe("token use", () => {
    const usage = {
      input_tokens: 18_400,
      output_tokens: 6_250,
      cache_read_tokens: 412_000,
      cache_write_tokens: 38_900,
      model: "claude-sonnet-4-5",
    };

    function usageLine() {
      return document.querySelector(".agent-usage")?.textContent ?? null;
    }

    it("shows the session's tokens and what they would cost", async () => {
      const agent = makeAgent({
        id: "a",
        name: "priced",
        usage,
        estimated_cost_micro_usd: 1_330_000,
      });
      const { user } = showAgents(makeSnapshot({ agents: [agent] }));

      await user.click(agentButton(/priced/));

      expect(usageLine()).toBe(
        "Tokens: 18,400 in · 6,250 out · 412,000 cache read · 38,900 cache write" +
          " (claude-sonnet-4-5) · about $1.33",
      );
    });

    it("says when no price is known, or under a cent; nothing without any use", async () => {
      const unpriced = makeAgent({
        id: "a",
        name: "unpriced",
        usage: { ...usage, model: "gpt-9" },
        estimated_cost_micro_usd: null,
      });
      const cheap = makeAgent({
        id: "b",
        name: "cheap",
        usage: { ...usage, model: null },
        estimated_cost_micro_usd: 4_200,
      });
      const unused = makeAgent({ id: "c", name: "unused", usage: null });
      const { user } = showAgents(makeSnapshot({ agents: [unpriced, cheap, unused] }));

      await user.click(agentButton(/unpriced/));
      expect(usageLine()).toBe(
        "Tokens: 18,400 in · 6,250 out · 412,000 cache read · 38,900 cache write (gpt-9)" +
          " · no price known for this model",
      );

      await user.click(agentButton(/cheap/));
      expect(usageLine()).toBe(
        "Tokens: 18,400 in · 6,250 out · 412,000 cache read · 38,900 cache write · under $0.01",
      );

      await user.click(agentButton(/unused/));
      expect(detail().getByRole("heading", { name: "unused" })).toBeTruthy();
      expect(usageLine()).toBeNull();
    });
  });

  it("says when there are no agents yet", () => {
    showAgents(makeSnapshot());

    expect(screen.getByText(/No agents yet/)).toBeTruthy();
  });

  it("shows agent-written markup as literal text", async () => {
    const markup = "<img src=x onerror=alert(1)>";
    const agent = makeAgent({ id: "evil", name: markup, activity: markup });
    const { user } = showAgents(
      makeSnapshot({
        agents: [agent],
        pending: [makeRequest({ id: "r", agent_id: "evil", title: markup })],
      }),
    );

    await user.click(agentButton(/img/));

    expect(screen.getAllByText(markup).length).toBeGreaterThanOrEqual(4);
    expect(document.querySelector("img")).toBeNull();
  });
});
