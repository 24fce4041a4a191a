import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { tick } from "svelte";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { InboxEvent } from "../lib/bindings/InboxEvent";
import type { Snapshot } from "../lib/bindings/Snapshot";
import {
  agentsRemove,
  grantOffers,
  grantRevoke,
  grantsList,
  inboxApproveAndGrant,
  inboxDecide,
  inboxDecideBatch,
  inboxSnapshot,
  popoverHide,
  popoverPainted,
  popoverSelect,
  windowOpen,
} from "../lib/bindings/commands";
import { onSelectRequest, subscribe, takeInitialSnapshot } from "../lib/bridge";
import {
  NOW,
  agentUpdated,
  created,
  longDetails,
  makeAgent,
  makeEvent,
  makeGrant,
  makeRequest,
  makeSnapshot,
  resolved,
} from "../test/fixtures";
import Popover from "./Popover.svelte";

vi.mock("../lib/bindings/commands", () => ({
  inboxSnapshot: vi.fn(),
  inboxDecide: vi.fn(),
  inboxDecideBatch: vi.fn(),
  popoverHide: vi.fn(),
  windowOpen: vi.fn(),
  agentsRemove: vi.fn(),
  popoverSelect: vi.fn(),
  popoverPainted: vi.fn(),
  grantOffers: vi.fn(),
  inboxApproveAndGrant: vi.fn(),
  grantsList: vi.fn(),
  grantRevoke: vi.fn(),
}));

vi.mock("../lib/bridge", () => ({
  subscribe: vi.fn(),
  onSelectRequest: vi.fn(),
  takeInitialSnapshot: vi.fn(),
}));

let pushSelect: (requestId: string) => void;

let pushEvent: (event: InboxEvent) => void;
let pushResync: (snapshot: Snapshot) => void;

beforeEach(() => {
  // Only the clock and the ticking interval are faked; promises and setTimeout stay real
  // so Testing Library's async queries keep working.
  vi.useFakeTimers({ now: NOW, toFake: ["Date", "setInterval", "clearInterval"] });
  vi.mocked(inboxDecide).mockResolvedValue(undefined);
  vi.mocked(inboxDecideBatch).mockImplementation(async (requestIds) => ({
    decided: requestIds,
    refused: [],
  }));
  vi.mocked(popoverHide).mockResolvedValue(undefined);
  vi.mocked(windowOpen).mockResolvedValue(undefined);
  vi.mocked(popoverSelect).mockResolvedValue(undefined);
  vi.mocked(popoverPainted).mockResolvedValue(undefined);
  vi.mocked(onSelectRequest).mockImplementation(async (onSelect) => {
    pushSelect = onSelect;
    return () => {};
  });
  vi.mocked(grantsList).mockResolvedValue([]);
  vi.mocked(grantOffers).mockResolvedValue({
    offers: [{ what: { kind: "this-action" }, label: "exactly this Bash request" }],
    project: null,
  });
  vi.mocked(subscribe).mockImplementation(async (onEvent, onResync) => {
    pushEvent = onEvent;
    pushResync = onResync;
    return () => {};
  });
});

afterEach(() => {
  vi.useRealTimers();
  vi.resetAllMocks();
});

async function showPopover(snapshot: Snapshot) {
  vi.mocked(inboxSnapshot).mockResolvedValue(snapshot);
  const view = render(Popover);
  await screen.findByRole("heading", { name: "Approvals" });
  return { ...view, user: userEvent.setup() };
}

async function deliver(event: InboxEvent) {
  pushEvent(event);
  await tick();
}

// A card's open grant form has options of its own, in its duration <select>.
function isCard(option: HTMLElement) {
  return option.tagName === "LI";
}

function cards() {
  return screen.queryAllByRole("option").filter(isCard);
}

function selectedCard() {
  const selected = screen.getAllByRole("option", { selected: true }).filter(isCard);
  expect(selected).toHaveLength(1);
  return selected[0]!;
}

const agent = makeAgent({ id: "agent-1", name: "claude in ~/shop" });
const deploy = makeRequest({
  id: "req-deploy",
  title: "Deploy to production",
  details: "kubectl apply -f prod.yaml",
  deadline: NOW + 60_000,
  provenance: { pid: 4242, uid: 1000, exe: "/usr/bin/node", remote: null },
});
const push = makeRequest({
  id: "req-push",
  title: "Force push",
  details: "git push --force origin main",
  deadline: NOW + 120_000,
});
const wipe = makeRequest({
  id: "req-wipe",
  title: "Wipe cache",
  details: "rm -rf ~/.cache/shop",
  deadline: NOW + 180_000,
});

describe("Popover", () => {
  it("shows each pending approval with its agent, title, exact details and requester", async () => {
    await showPopover(makeSnapshot({ agents: [agent], pending: [deploy] }));

    const card = within(cards()[0]!);
    expect(card.getByText("claude in ~/shop")).toBeTruthy();
    expect(card.getByRole("heading", { name: "Deploy to production" })).toBeTruthy();
    const details = card.getByText("kubectl apply -f prod.yaml");
    expect(details.tagName).toBe("PRE");
    expect(card.getByText("Requested by pid 4242 · /usr/bin/node")).toBeTruthy();
    expect(card.getByRole("button", { name: "Approve" })).toBeTruthy();
    expect(card.getByRole("button", { name: "Deny" })).toBeTruthy();
    expect(screen.getByText("1 approval waiting · 1 agent")).toBeTruthy();
  });

  it("shows agent-written markup as literal text", async () => {
    const markup = "<img src=x onerror=alert(1)>";
    const { container } = await showPopover(
      makeSnapshot({
        agents: [makeAgent({ id: "agent-1", name: markup, activity: markup })],
        pending: [makeRequest({ id: "evil", title: markup, details: markup })],
      }),
    );

    expect(screen.getByRole("heading", { name: markup })).toBeTruthy();
    expect(screen.getAllByText(markup).length).toBeGreaterThanOrEqual(3);
    expect(container.querySelector("img")).toBeNull();
  });

  it("says what to do next when nothing is waiting", async () => {
    await showPopover(makeSnapshot());

    expect(
      screen.getByText(
        "No approvals waiting. When an agent asks before acting, its request appears here.",
      ),
    ).toBeTruthy();
  });

  it("opens the full window from its footer", async () => {
    const { user } = await showPopover(makeSnapshot());

    await user.click(screen.getByRole("button", { name: "Open full window" }));

    expect(windowOpen).toHaveBeenCalledOnce();
  });

  it("says why the full window did not open", async () => {
    vi.mocked(windowOpen).mockRejectedValue("no display");
    const { user } = await showPopover(makeSnapshot());

    await user.click(screen.getByRole("button", { name: "Open full window" }));

    expect((await screen.findByRole("alert")).textContent).toBe("no display");
  });

  it("lists agents with state, activity and how long ago they were seen", async () => {
    await showPopover(
      makeSnapshot({
        agents: [
          makeAgent({ id: "idle", name: "nightly script", state: "idle", last_seen: NOW - 180_000 }),
          makeAgent({
            id: "busy",
            name: "codex",
            state: "working",
            activity: "Running the test suite",
            last_seen: NOW - 12_000,
          }),
        ],
      }),
    );

    const rows = within(screen.getByRole("list", { name: "Agents" }))
      .getAllByRole("listitem")
      .map((row) => row.textContent?.replace(/\s+/g, " ").trim());
    expect(rows).toEqual([
      "codex Working 12s ago Running the test suite Go to terminal",
      "nightly script Idle 3m ago Go to terminal",
    ]);
  });

  it("counts down to the deadline every second and then says expired", async () => {
    await showPopover(makeSnapshot({ pending: [deploy] }));
    const card = within(cards()[0]!);
    expect(card.getByText("01:00")).toBeTruthy();

    vi.advanceTimersByTime(1000);
    await tick();
    expect(card.getByText("00:59")).toBeTruthy();

    vi.advanceTimersByTime(59_000);
    await tick();
    expect(card.getByText("expired")).toBeTruthy();
  });

  describe("risk", () => {
    it("marks nothing on a low-risk card", async () => {
      const { container } = await showPopover(
        makeSnapshot({ agents: [agent], pending: [deploy] }),
      );

      expect(cards()[0]!.dataset.risk).toBe("low");
      expect(container.querySelector(".risk")).toBeNull();
      expect(screen.queryByText(/risk/i)).toBeNull();
    });

    it("shows a medium-risk card's level and the rule that fired", async () => {
      const request = makeRequest({
        id: "req-upload",
        title: "Upload logs",
        risk: { level: "medium", rule: "sends data off this machine" },
      });
      await showPopover(makeSnapshot({ agents: [agent], pending: [request] }));

      const card = cards()[0]!;
      expect(card.dataset.risk).toBe("medium");
      const badge = within(card).getByText("Medium risk · sends data off this machine");
      expect(badge.classList).toContain("risk");
      expect(badge.classList).toContain("risk-medium");
      expect(within(card).queryByText(/global approve key/)).toBeNull();
    });

    it("shows a high-risk card's level, rule and that only the card approves it", async () => {
      const request = makeRequest({
        id: "req-rm",
        title: "Clean build",
        risk: { level: "high", rule: "deletes files recursively" },
      });
      await showPopover(makeSnapshot({ agents: [agent], pending: [request] }));

      const card = cards()[0]!;
      expect(card.dataset.risk).toBe("high");
      const badge = within(card).getByText("High risk · deletes files recursively");
      expect(badge.classList).toContain("risk");
      expect(badge.classList).toContain("risk-high");
      expect(
        within(card).getByText(
          "Approve here: the global approve key does not approve high-risk requests.",
        ),
      ).toBeTruthy();
      expect(screen.getByRole("option", { description: /High risk/ })).toBe(card);
    });

    it("shows a level without a rule when none is named", async () => {
      const request = makeRequest({ id: "req-x", risk: { level: "high", rule: null } });
      await showPopover(makeSnapshot({ agents: [agent], pending: [request] }));

      expect(within(cards()[0]!).getByText("High risk")).toBeTruthy();
    });

    it("shows markup in a rule as literal text", async () => {
      const request = makeRequest({ id: "req-b", risk: { level: "medium", rule: "<b>x</b>" } });
      const { container } = await showPopover(
        makeSnapshot({ agents: [agent], pending: [request] }),
      );

      expect(screen.getByText("Medium risk · <b>x</b>")).toBeTruthy();
      expect(container.querySelector(".risk b")).toBeNull();
    });
  });

  describe("keyboard", () => {
    it("moves the selection with j/k and the arrow keys, most urgent first", async () => {
      const { user } = await showPopover(makeSnapshot({ pending: [wipe, push, deploy] }));
      expect(cards().map((card) => card.getAttribute("aria-selected"))).toEqual([
        "true",
        "false",
        "false",
      ]);
      expect(within(selectedCard()).getByText("Deploy to production")).toBeTruthy();

      await user.keyboard("j");
      expect(within(selectedCard()).getByText("Force push")).toBeTruthy();
      await user.keyboard("{ArrowDown}");
      expect(within(selectedCard()).getByText("Wipe cache")).toBeTruthy();
      await user.keyboard("j");
      expect(within(selectedCard()).getByText("Wipe cache")).toBeTruthy();
      await user.keyboard("k");
      expect(within(selectedCard()).getByText("Force push")).toBeTruthy();
      await user.keyboard("{ArrowUp}{ArrowUp}");
      expect(within(selectedCard()).getByText("Deploy to production")).toBeTruthy();
    });

    it("reports the selection, which the global shortcuts act on", async () => {
      const { user } = await showPopover(makeSnapshot({ pending: [deploy, push] }));
      await tick();
      expect(popoverSelect).toHaveBeenLastCalledWith("req-deploy", true);

      await user.keyboard("j");
      await tick();
      expect(popoverSelect).toHaveBeenLastCalledWith("req-push", true);
    });

    it("selects the request whose notification was clicked", async () => {
      await showPopover(makeSnapshot({ pending: [deploy, push] }));

      pushSelect("req-push");
      await tick();

      expect(within(selectedCard()).getByText("Force push")).toBeTruthy();
    });

    it("reports a selection the app made with whether it is seen whole, as the person's own moves", async () => {
      const { user } = await showPopover(makeSnapshot({ pending: [deploy, push] }));
      vi.mocked(popoverSelect).mockClear();

      pushSelect("req-push");
      await tick();
      expect(popoverSelect).toHaveBeenLastCalledWith("req-push", true);

      await user.keyboard("k");
      expect(popoverSelect).toHaveBeenLastCalledWith("req-deploy", true);
    });

    it("approves the selected request with a", async () => {
      const { user } = await showPopover(makeSnapshot({ pending: [deploy, push] }));

      await user.keyboard("ja");

      expect(inboxDecide).toHaveBeenCalledExactlyOnceWith("req-push", { verdict: "approve" });
    });

    it("approves the selected request with Enter", async () => {
      const { user } = await showPopover(makeSnapshot({ pending: [deploy, push] }));

      await user.keyboard("{Enter}");

      expect(inboxDecide).toHaveBeenCalledExactlyOnceWith("req-deploy", { verdict: "approve" });
    });

    it("denies with a typed reason: d, type, Enter", async () => {
      const { user } = await showPopover(makeSnapshot({ pending: [deploy, push] }));

      await user.keyboard("jd");
      const reason = screen.getByRole("textbox", { name: "Reason for denying (optional)" });
      expect(document.activeElement).toBe(reason);
      await user.keyboard("not on a friday{Enter}");

      expect(inboxDecide).toHaveBeenCalledExactlyOnceWith("req-push", {
        verdict: "deny",
        reason: "not on a friday",
      });
    });

    it("does not treat keys typed into the reason as shortcuts", async () => {
      const { user } = await showPopover(makeSnapshot({ pending: [deploy, push] }));

      await user.keyboard("d");
      await user.keyboard("jak d");

      expect(inboxDecide).not.toHaveBeenCalled();
      expect(within(selectedCard()).getByText("Deploy to production")).toBeTruthy();
      expect(screen.getByRole("textbox")).toHaveProperty("value", "jak d");
    });

    it("cancels a deny with Escape in the reason, without hiding the popover", async () => {
      const { user } = await showPopover(makeSnapshot({ pending: [deploy] }));

      await user.keyboard("d");
      await user.keyboard("{Escape}");

      expect(screen.queryByRole("textbox")).toBeNull();
      expect(inboxDecide).not.toHaveBeenCalled();
      expect(popoverHide).not.toHaveBeenCalled();
    });

    it("hides the popover with Escape", async () => {
      const { user } = await showPopover(makeSnapshot({ pending: [deploy] }));

      await user.keyboard("{Escape}");

      expect(popoverHide).toHaveBeenCalledOnce();
    });

    it("keeps the selection on the same request when a more urgent one arrives", async () => {
      const { user } = await showPopover(makeSnapshot({ seq: 1, pending: [deploy, push] }));
      await user.keyboard("j");

      await deliver(created(2, makeRequest({ id: "req-urgent", deadline: NOW + 5000 })));
      await user.keyboard("a");

      expect(inboxDecide).toHaveBeenCalledExactlyOnceWith("req-push", { verdict: "approve" });
    });
  });

  describe("buttons", () => {
    it("approves with the Approve button", async () => {
      const { user } = await showPopover(makeSnapshot({ pending: [deploy, push] }));

      await user.click(within(cards()[1]!).getByRole("button", { name: "Approve" }));

      expect(inboxDecide).toHaveBeenCalledExactlyOnceWith("req-push", { verdict: "approve" });
    });

    it("approves letting the agent remember the choice clicked on the card", async () => {
      const choice = "Always allow `Bash(npm test:*)` in this project (only you)";
      const remembering = { ...push, remember_choices: [choice, "Switch to accept-edits mode"] };
      const { user } = await showPopover(
        makeSnapshot({ agents: [agent], pending: [deploy, remembering] }),
      );

      const card = within(cards()[1]!);
      const note = "Kept by Claude Code in its own settings; the tray cannot revoke it.";
      expect(card.getByText(note)).toBeTruthy();
      await user.click(card.getByRole("button", { name: choice }));

      expect(inboxDecide).toHaveBeenCalledExactlyOnceWith("req-push", {
        verdict: "approve-remembering",
        choice,
      });
      expect(selectedCard().dataset.requestId).toBe("req-push");
    });

    it("denies without a reason on a second click", async () => {
      const { user } = await showPopover(makeSnapshot({ pending: [deploy] }));
      const card = within(cards()[0]!);

      await user.click(card.getByRole("button", { name: "Deny" }));
      expect(inboxDecide).not.toHaveBeenCalled();
      await user.click(card.getByRole("button", { name: "Confirm deny" }));

      expect(inboxDecide).toHaveBeenCalledExactlyOnceWith("req-deploy", {
        verdict: "deny",
        reason: null,
      });
    });
  });

  describe("decisions", () => {
    it("shows the backend's error when a decision is refused", async () => {
      vi.mocked(inboxDecide).mockRejectedValue("already decided by shortcut at 12:00:03");
      const { user } = await showPopover(makeSnapshot({ pending: [deploy] }));

      await user.keyboard("a");

      const error = within(cards()[0]!).getByRole("alert");
      expect(error.textContent).toBe("already decided by shortcut at 12:00:03");
    });

    it("sends a decision once, even if the key is pressed again", async () => {
      const { user } = await showPopover(makeSnapshot({ pending: [deploy] }));

      await user.keyboard("aa{Enter}");

      expect(inboxDecide).toHaveBeenCalledOnce();
    });
  });

  describe("batch", () => {
    const risky = makeRequest({
      id: "req-rm",
      title: "Clean build",
      deadline: NOW + 240_000,
      risk: { level: "high", rule: "deletes files recursively" },
    });

    function markOf(card: HTMLElement) {
      return within(card).getByRole("checkbox", { name: "Select for a batch decision" });
    }

    function bar() {
      return document.querySelector<HTMLElement>(".batch-bar");
    }

    it("marks a card with its control and shows the count before acting", async () => {
      const { user } = await showPopover(makeSnapshot({ pending: [deploy, push, wipe] }));
      expect(bar()).toBeNull();

      const mark = markOf(cards()[1]!);
      expect(mark.classList).toContain("mark");
      expect(mark.getAttribute("aria-checked")).toBe("false");
      await user.click(mark);
      await user.click(markOf(cards()[2]!));

      expect(mark.getAttribute("aria-checked")).toBe("true");
      const batch = within(bar()!);
      expect(batch.getByText("2 marked")).toBeTruthy();
      expect(batch.getByRole("button", { name: "Approve 2" }).classList).toContain("batch-approve");
      expect(batch.getByRole("button", { name: "Deny 2" }).classList).toContain("batch-deny");
      expect(batch.getByRole("button", { name: "Clear" }).classList).toContain("batch-clear");

      await user.click(mark);
      expect(within(bar()!).getByText("1 marked")).toBeTruthy();
      expect(inboxDecideBatch).not.toHaveBeenCalled();
      expect(inboxDecide).not.toHaveBeenCalled();
    });

    it("never marks an agent's question for a batch, nor approves it with the a key", async () => {
      const question = makeRequest({
        id: "req-question",
        action: "AskUserQuestion",
        title: "Asks: Which database?",
        details: `${JSON.stringify(
          { questions: [{ question: "Which database?", options: [{ label: "SQLite" }] }] },
          null,
          2,
        )}\n\ncwd: /home/me/shop\n`,
      });
      const { user } = await showPopover(makeSnapshot({ pending: [question] }));
      const card = cards()[0]!;
      expect(within(card).queryByRole("checkbox", { name: "Select for a batch decision" })).toBeNull();
      await user.keyboard("xa");
      expect(bar()).toBeNull();
      expect(inboxDecide).not.toHaveBeenCalled();
      expect(within(card).getByText("A question: pick an answer on its card.")).toBeTruthy();
    });

    it("marks the selected card with x and Space, and unmarks it again", async () => {
      const { user } = await showPopover(makeSnapshot({ pending: [deploy, push, wipe] }));

      await user.keyboard("x");
      await user.keyboard("j");
      await user.keyboard(" ");
      await user.keyboard("j");

      expect(cards().map((card) => markOf(card).getAttribute("aria-checked"))).toEqual([
        "true",
        "true",
        "false",
      ]);
      expect(within(bar()!).getByText("2 marked")).toBeTruthy();

      await user.keyboard("kx");
      expect(within(bar()!).getByText("1 marked")).toBeTruthy();
      expect(inboxDecide).not.toHaveBeenCalled();
    });

    it("toggles a focused mark once with Space", async () => {
      const { user } = await showPopover(makeSnapshot({ pending: [deploy, push] }));
      const mark = markOf(cards()[1]!);
      await user.click(mark);
      expect(document.activeElement).toBe(mark);

      await user.keyboard(" ");

      expect(mark.getAttribute("aria-checked")).toBe("false");
      expect(bar()).toBeNull();
    });

    it("approves the marked requests in one call, then clears the marks", async () => {
      const { user } = await showPopover(makeSnapshot({ pending: [deploy, push, wipe] }));
      await user.keyboard("xjjx");

      await user.click(within(bar()!).getByRole("button", { name: "Approve 2" }));

      expect(inboxDecideBatch).toHaveBeenCalledExactlyOnceWith(["req-deploy", "req-wipe"], {
        verdict: "approve",
      });
      expect(inboxDecide).not.toHaveBeenCalled();
      await vi.waitFor(() => expect(bar()).toBeNull());
      expect(screen.queryAllByRole("checkbox", { checked: true })).toHaveLength(0);
      expect(screen.queryByRole("status")).toBeNull();
    });

    it("denies the marked requests in one call with the Deny button", async () => {
      const { user } = await showPopover(makeSnapshot({ pending: [deploy, push] }));
      await user.click(markOf(cards()[0]!));
      await user.click(markOf(cards()[1]!));

      await user.click(within(bar()!).getByRole("button", { name: "Deny 2" }));

      expect(inboxDecideBatch).toHaveBeenCalledExactlyOnceWith(["req-deploy", "req-push"], {
        verdict: "deny",
        reason: null,
      });
      await vi.waitFor(() => expect(bar()).toBeNull());
    });

    it("approves the batch with shift+A and denies it with shift+D, only when marked", async () => {
      const { user } = await showPopover(makeSnapshot({ pending: [deploy, push] }));

      await user.keyboard("{Shift>}A{/Shift}{Shift>}D{/Shift}");
      expect(inboxDecideBatch).not.toHaveBeenCalled();

      await user.keyboard("jx{Shift>}A{/Shift}");
      expect(inboxDecideBatch).toHaveBeenLastCalledWith(["req-push"], { verdict: "approve" });
      await vi.waitFor(() => expect(bar()).toBeNull());

      await user.keyboard("x{Shift>}D{/Shift}");
      expect(inboxDecideBatch).toHaveBeenLastCalledWith(["req-push"], {
        verdict: "deny",
        reason: null,
      });
      expect(inboxDecideBatch).toHaveBeenCalledTimes(2);
      expect(inboxDecide).not.toHaveBeenCalled();
    });

    it("keeps a, d and Enter acting on the selected card while others are marked", async () => {
      const { user } = await showPopover(makeSnapshot({ pending: [deploy, push] }));

      await user.keyboard("xja");

      expect(inboxDecide).toHaveBeenCalledExactlyOnceWith("req-push", { verdict: "approve" });
      expect(inboxDecideBatch).not.toHaveBeenCalled();
      expect(within(bar()!).getByText("1 marked")).toBeTruthy();
    });

    it("says on the Approve button how many high-risk ones it leaves for their cards", async () => {
      const { user } = await showPopover(makeSnapshot({ pending: [deploy, push, risky] }));
      await user.keyboard("xjxjx");

      const batch = within(bar()!);
      expect(batch.getByText("3 marked")).toBeTruthy();
      expect(
        batch.getByRole("button", { name: "Approve 2 (1 high-risk left for its card)" }),
      ).toBeTruthy();
      expect(batch.getByRole("button", { name: "Deny 3" })).toBeTruthy();
    });

    it("cannot approve a batch of only high-risk requests, but can deny it", async () => {
      const risky2 = makeRequest({ id: "req-rm2", risk: { level: "high", rule: null } });
      const { user } = await showPopover(makeSnapshot({ pending: [risky, risky2] }));
      await user.keyboard("xjx");

      const approve = within(bar()!).getByRole("button", {
        name: "Approve 0 (2 high-risk left for their cards)",
      });
      expect(approve).toHaveProperty("disabled", true);
      await user.keyboard("{Shift>}A{/Shift}");
      expect(inboxDecideBatch).not.toHaveBeenCalled();

      await user.keyboard("{Shift>}D{/Shift}");
      expect(inboxDecideBatch).toHaveBeenCalledExactlyOnceWith(["req-rm", "req-rm2"], {
        verdict: "deny",
        reason: null,
      });
    });

    it("says, as plain text, how many were left and why", async () => {
      const markup = "<b>already decided by shortcut</b>";
      vi.mocked(inboxDecideBatch).mockResolvedValue({
        decided: ["req-deploy"],
        refused: [
          { id: "req-push", reason: markup },
          { id: "req-rm", reason: "high risk: approve it from its own card" },
        ],
      });
      const { user, container } = await showPopover(
        makeSnapshot({ pending: [deploy, push, risky] }),
      );
      await user.keyboard("xjxjx");

      await user.click(
        within(bar()!).getByRole("button", { name: "Approve 2 (1 high-risk left for its card)" }),
      );

      expect(inboxDecideBatch).toHaveBeenCalledExactlyOnceWith(
        ["req-deploy", "req-push", "req-rm"],
        { verdict: "approve" },
      );
      const result = within(await screen.findByRole("status"));
      expect(result.getByText("Approved 1; 2 left as they were:")).toBeTruthy();
      expect(result.getByText(markup)).toBeTruthy();
      expect(result.getByText("high risk: approve it from its own card")).toBeTruthy();
      expect(container.querySelector(".batch-result b")).toBeNull();
      expect(bar()).toBeNull();
      expect(screen.queryAllByRole("checkbox", { checked: true })).toHaveLength(0);
    });

    it("keeps the marks and shows the error when the batch is refused outright", async () => {
      vi.mocked(inboxDecideBatch).mockRejectedValue("the inbox is not running");
      const { user } = await showPopover(makeSnapshot({ pending: [deploy, push] }));
      await user.keyboard("x");

      await user.click(within(bar()!).getByRole("button", { name: "Deny 1" }));

      expect((await within(bar()!).findByRole("alert")).textContent).toBe(
        "the inbox is not running",
      );
      expect(within(bar()!).getByText("1 marked")).toBeTruthy();
    });

    it("clears the marks with Clear", async () => {
      const { user } = await showPopover(makeSnapshot({ pending: [deploy, push] }));
      await user.keyboard("xjx");

      await user.click(within(bar()!).getByRole("button", { name: "Clear" }));

      expect(bar()).toBeNull();
      expect(screen.queryAllByRole("checkbox", { checked: true })).toHaveLength(0);
      expect(inboxDecideBatch).not.toHaveBeenCalled();
    });

    it("drops the marks of requests decided elsewhere", async () => {
      const { user } = await showPopover(makeSnapshot({ seq: 1, pending: [deploy, push] }));
      await user.keyboard("xjx");

      await deliver(resolved(2, deploy));
      expect(within(bar()!).getByText("1 marked")).toBeTruthy();

      await user.click(within(bar()!).getByRole("button", { name: "Approve 1" }));
      expect(inboxDecideBatch).toHaveBeenCalledExactlyOnceWith(["req-push"], {
        verdict: "approve",
      });
    });
  });

  describe("knowing what is approved", () => {
    const risky = makeRequest({
      id: "req-rm",
      title: "Clean build",
      details: "rm -rf target/",
      deadline: NOW + 30_000,
      risk: { level: "high", rule: "deletes files recursively" },
    });
    const log = makeRequest({
      id: "req-log",
      title: "Upload the build log",
      action: "upload",
      details: longDetails(),
      deadline: NOW + 90_000,
    });

    function bar() {
      return document.querySelector<HTMLElement>(".batch-bar");
    }

    function approveOf(card: HTMLElement) {
      return within(card).getByRole("button", { name: "Approve" }) as HTMLButtonElement;
    }

    it("does not approve a high-risk card with a or Enter, and says what to do", async () => {
      const { user } = await showPopover(makeSnapshot({ agents: [agent], pending: [risky] }));

      await user.keyboard("a");

      expect(inboxDecide).not.toHaveBeenCalled();
      const card = selectedCard();
      expect(
        within(card).getByText("High risk: use its Approve button, then confirm."),
      ).toBeTruthy();
      expect(document.activeElement).toBe(approveOf(card));

      // Focus elsewhere, Enter is the popover's approve key: it refuses the same way.
      (document.activeElement as HTMLElement).blur();
      await user.keyboard("{Enter}");
      expect(inboxDecide).not.toHaveBeenCalled();
      expect(document.activeElement).toBe(approveOf(card));
      // On the Approve button, Enter asks; Enter again answers the focused Cancel.
      await user.keyboard("{Enter}{Enter}");
      expect(inboxDecide).not.toHaveBeenCalled();
    });

    it("says it on the refused card only while that card stays selected", async () => {
      const { user } = await showPopover(makeSnapshot({ pending: [risky, deploy] }));
      const notice = "High risk: use its Approve button, then confirm.";

      await user.keyboard("a");
      expect(within(selectedCard()).getByText(notice)).toBeTruthy();
      (document.activeElement as HTMLElement).blur();
      await user.keyboard("jk");

      expect(selectedCard().dataset.requestId).toBe("req-rm");
      expect(screen.queryByText(notice)).toBeNull();
      expect(inboxDecide).not.toHaveBeenCalled();
    });

    it("approves a high-risk card from its button only after Yes, approve", async () => {
      const { user } = await showPopover(makeSnapshot({ pending: [deploy, risky] }));
      const card = cards().find((c) => c.dataset.requestId === "req-rm")!;

      await user.click(approveOf(card));
      const ask = within(card).getByRole("group", { name: "Approve this high-risk request?" });
      expect(within(ask).getByText("rm -rf target/")).toBeTruthy();
      expect(within(ask).getByText("High risk: deletes files recursively")).toBeTruthy();
      await user.keyboard("{Escape}");
      expect(within(card).queryByRole("group")).toBeNull();
      expect(popoverHide).not.toHaveBeenCalled();
      expect(inboxDecide).not.toHaveBeenCalled();

      await user.click(approveOf(card));
      await user.click(within(card).getByRole("button", { name: "Yes, approve" }));

      expect(inboxDecide).toHaveBeenCalledExactlyOnceWith("req-rm", { verdict: "approve" });
    });

    it("shows a long text's size and approves it only once opened", async () => {
      const { user } = await showPopover(makeSnapshot({ pending: [log] }));
      const card = selectedCard();
      expect(within(card).getByText("85 KB · 1,500 lines")).toBeTruthy();
      expect(approveOf(card).disabled).toBe(true);

      await user.keyboard("a");
      expect(inboxDecide).not.toHaveBeenCalled();
      const open = within(card).getByRole("button", { name: "Open all" });
      expect(document.activeElement).toBe(open);
      const reason = within(card).getByText("Open the details before approving.");
      expect(reason.classList).toContain("flagged");

      await user.keyboard("{Enter}");
      expect(within(card).getByText(/the end/).closest("pre")?.classList).toContain("opened");
      expect(approveOf(card).disabled).toBe(false);
      (document.activeElement as HTMLElement).blur();
      await user.keyboard("a");

      expect(inboxDecide).toHaveBeenCalledExactlyOnceWith("req-log", { verdict: "approve" });
    });

    it("does not open the allow form on a long text not yet opened", async () => {
      const { user } = await showPopover(makeSnapshot({ pending: [log] }));

      await user.keyboard("g");

      expect(document.querySelector("form.grant-form")).toBeNull();
      expect(grantOffers).not.toHaveBeenCalled();
      expect(document.activeElement).toBe(
        within(selectedCard()).getByRole("button", { name: "Open all" }),
      );
    });

    it("lets d deny a long text without opening it", async () => {
      const { user } = await showPopover(makeSnapshot({ pending: [log] }));

      await user.keyboard("d");
      await user.keyboard("{Enter}");

      expect(inboxDecide).toHaveBeenCalledExactlyOnceWith("req-log", {
        verdict: "deny",
        reason: null,
      });
    });

    it("leaves an unread long text out of a batch approval, and says so", async () => {
      const { user } = await showPopover(makeSnapshot({ pending: [deploy, log, wipe] }));
      await user.keyboard("xjxjx");

      const approve = within(bar()!).getByRole("button", {
        name: "Approve 2 (1 unread left for its card)",
      });
      await user.click(approve);

      expect(inboxDecideBatch).toHaveBeenCalledExactlyOnceWith(["req-deploy", "req-wipe"], {
        verdict: "approve",
      });
      const result = within(await screen.findByRole("status"));
      expect(result.getByText("Approved 2; 1 left as it was:")).toBeTruthy();
      expect(result.getByText("details not opened: approve it from its own card")).toBeTruthy();
      expect(inboxDecide).not.toHaveBeenCalled();
    });

    it("counts a long high-risk card as high-risk, on the button and in the result", async () => {
      const longRisky = makeRequest({
        id: "req-rm-long",
        title: "Clean every build",
        details: longDetails(),
        deadline: NOW + 60_000,
        risk: { level: "high", rule: "deletes files recursively" },
      });
      vi.mocked(inboxDecideBatch).mockResolvedValue({
        decided: ["req-deploy"],
        refused: [{ id: "req-rm-long", reason: "high risk: approve it from its own card" }],
      });
      const { user } = await showPopover(makeSnapshot({ pending: [deploy, longRisky] }));
      await user.keyboard("xjx");

      await user.click(
        within(bar()!).getByRole("button", { name: "Approve 1 (1 high-risk left for its card)" }),
      );

      expect(inboxDecideBatch).toHaveBeenCalledExactlyOnceWith(["req-deploy", "req-rm-long"], {
        verdict: "approve",
      });
      const result = within(await screen.findByRole("status"));
      expect(result.getByText("high risk: approve it from its own card")).toBeTruthy();
      expect(result.queryByText(/details not opened/)).toBeNull();
    });

    it("counts unread and high-risk cards apart on the batch button", async () => {
      const { user } = await showPopover(makeSnapshot({ pending: [deploy, risky, log] }));
      await user.keyboard("xjxjx");

      expect(
        within(bar()!).getByRole("button", {
          name: "Approve 1 (1 high-risk, 1 unread left for their cards)",
        }),
      ).toBeTruthy();

      await user.click(
        within(cards().find((c) => c.dataset.requestId === "req-log")!).getByRole("button", {
          name: "Open all",
        }),
      );
      expect(
        within(bar()!).getByRole("button", { name: "Approve 2 (1 high-risk left for its card)" }),
      ).toBeTruthy();
    });

    it("reports whether the selected card was seen whole, and again once it is", async () => {
      const { user } = await showPopover(makeSnapshot({ pending: [deploy, log] }));
      await tick();
      expect(popoverSelect).toHaveBeenLastCalledWith("req-deploy", true);

      await user.keyboard("j");
      await tick();
      expect(popoverSelect).toHaveBeenLastCalledWith("req-log", false);

      await user.click(within(selectedCard()).getByRole("button", { name: "Open all" }));
      await tick();
      expect(popoverSelect).toHaveBeenLastCalledWith("req-log", true);
    });

    it("reports a long card the app selected once it is opened", async () => {
      const { user } = await showPopover(makeSnapshot({ pending: [deploy, log] }));
      vi.mocked(popoverSelect).mockClear();

      pushSelect("req-log");
      await tick();
      expect(popoverSelect).toHaveBeenCalledExactlyOnceWith("req-log", false);

      await user.click(within(selectedCard()).getByRole("button", { name: "Open all" }));
      await tick();
      expect(popoverSelect).toHaveBeenLastCalledWith("req-log", true);
    });

    it("keeps a card read when the list changes around it", async () => {
      const { user } = await showPopover(makeSnapshot({ seq: 1, pending: [deploy, log] }));
      await user.click(within(cards()[1]!).getByRole("button", { name: "Open all" }));

      await deliver(created(2, makeRequest({ id: "req-urgent", deadline: NOW + 5000 })));
      pushResync(makeSnapshot({ seq: 3, pending: [deploy, log] }));
      await tick();

      const card = cards().find((c) => c.dataset.requestId === "req-log")!;
      expect(approveOf(card).disabled).toBe(false);
    });
  });

  describe("allow from now on", () => {
    const risky = makeRequest({
      id: "req-rm",
      title: "Clean build",
      deadline: NOW + 240_000,
      risk: { level: "high", rule: "deletes files recursively" },
    });

    function grantForm() {
      return document.querySelector<HTMLFormElement>("form.grant-form");
    }

    it("opens the selected card's form with g and closes it with g again", async () => {
      const { user } = await showPopover(
        makeSnapshot({ agents: [agent], pending: [deploy, push] }),
      );

      await user.keyboard("jg");
      const form = await within(selectedCard()).findByRole("form", { name: "Allow from now on" });
      expect(grantOffers).toHaveBeenCalledExactlyOnceWith("req-push");
      expect(within(selectedCard()).getByText("Force push")).toBeTruthy();
      await within(form).findByRole("radio");

      await user.keyboard("g");
      expect(grantForm()).toBeNull();
      (document.activeElement as HTMLElement | null)?.blur();
      await user.keyboard("g");
      expect(grantForm()).not.toBeNull();
      (document.activeElement as HTMLElement | null)?.blur();
      await user.keyboard("g");
      expect(grantForm()).toBeNull();
      expect(inboxDecide).not.toHaveBeenCalled();
    });

    it("closes the form with Escape before it closes the popover", async () => {
      const { user } = await showPopover(makeSnapshot({ pending: [deploy] }));

      await user.keyboard("g");
      await within(grantForm()!).findByRole("radio");
      await user.keyboard("{Escape}");
      expect(grantForm()).toBeNull();
      expect(popoverHide).not.toHaveBeenCalled();

      await user.keyboard("g");
      await within(grantForm()!).findByRole("radio");
      // Focus outside the form: the popover's own Escape still closes the form first.
      (document.activeElement as HTMLElement | null)?.blur();
      await user.keyboard("{Escape}");
      expect(grantForm()).toBeNull();
      expect(popoverHide).not.toHaveBeenCalled();

      await user.keyboard("{Escape}");
      expect(popoverHide).toHaveBeenCalledOnce();
    });

    it("does not open on a high-risk card", async () => {
      const { user } = await showPopover(makeSnapshot({ pending: [risky] }));

      await user.keyboard("g");

      expect(grantForm()).toBeNull();
      expect(grantOffers).not.toHaveBeenCalled();
      const card = within(selectedCard());
      expect(card.queryByRole("button", { name: "Allow from now on…" })).toBeNull();
    });

    it("approves and grants from the card instead of deciding", async () => {
      vi.mocked(inboxApproveAndGrant).mockResolvedValue(makeGrant({ id: "grant-1" }));
      const { user } = await showPopover(
        makeSnapshot({ agents: [agent], pending: [deploy, push] }),
      );

      await user.click(within(cards()[1]!).getByRole("button", { name: "Allow from now on…" }));
      const form = await within(cards()[1]!).findByRole("form", { name: "Allow from now on" });
      expect(within(form).getByText(/^Approves this request, and later exactly this/)).toBeTruthy();
      await user.click(within(form).getByRole("button", { name: "Approve and allow" }));

      expect(inboxApproveAndGrant).toHaveBeenCalledExactlyOnceWith("req-push", {
        what: { kind: "this-action" },
        in_project: false,
        duration: "hour",
      });
      expect(inboxDecide).not.toHaveBeenCalled();
      expect(selectedCard().dataset.requestId).toBe("req-push");
      expect(await within(cards()[1]!).findByText(/waiting for the inbox to confirm/)).toBeTruthy();
    });

    it("shows why the backend refused, and still lets the card approve", async () => {
      vi.mocked(inboxApproveAndGrant).mockRejectedValue(
        "a high-risk request is approved one at a time from its card, never granted",
      );
      const { user } = await showPopover(makeSnapshot({ pending: [deploy] }));
      await user.keyboard("g");
      await user.click(await screen.findByRole("button", { name: "Approve and allow" }));

      expect((await within(cards()[0]!).findByRole("alert")).textContent).toBe(
        "a high-risk request is approved one at a time from its card, never granted",
      );
      await user.click(within(cards()[0]!).getByRole("button", { name: "Approve" }));
      expect(inboxDecide).toHaveBeenCalledExactlyOnceWith("req-deploy", { verdict: "approve" });
    });

    it("opens no form with g on a Converge job's card, which offers none", async () => {
      const job = makeAgent({ id: "converge:run-7", name: "Expense review", kind: "converge" });
      const gate = makeRequest({
        id: "req-gate",
        agent_id: job.id,
        action: "converge.promote:Proposals",
        title: "Reimburse 1840.00 EUR to Dana Okafor",
      });
      const { user } = await showPopover(makeSnapshot({ agents: [job], pending: [gate] }));

      const card = within(selectedCard());
      expect(card.queryByRole("button", { name: "Allow from now on…" })).toBeNull();
      expect(card.getByText("Promote the proposals").title).toBe("converge.promote:Proposals");
      expect(card.getByText("Requested by a Converge job in the app")).toBeTruthy();

      await user.keyboard("g");

      expect(grantForm()).toBeNull();
      expect(grantOffers).not.toHaveBeenCalled();
      expect(inboxDecide).not.toHaveBeenCalled();
    });

    it("lists the key with all the others under ?", async () => {
      const { user } = await showPopover(makeSnapshot({ pending: [deploy] }));

      const keys = screen.getByRole("button", { name: "All keys" });
      await user.click(keys);

      expect(keys.getAttribute("aria-expanded")).toBe("true");
      const list = document.getElementById(keys.getAttribute("aria-controls")!)!;
      expect(within(list).getByText("g").nextElementSibling?.textContent).toBe("allow from now on");
    });
  });

  describe("key hint", () => {
    function hint() {
      return document.querySelector<HTMLElement>("footer .hint")!;
    }

    it("names only the first keys, short enough for one line, the rest under ?", async () => {
      await showPopover(makeSnapshot({ pending: [deploy] }));

      expect(hint().textContent?.trim()).toBe("j/k select · a approve · d deny");
      for (const key of ["g: allow from now on", "x, Space: mark for a batch", "esc: close"]) {
        expect(hint().title).toContain(key);
      }
      expect(document.getElementById("popover-keys")).toBeNull();
    });

    it("names the batch keys while cards are marked", async () => {
      const { user } = await showPopover(makeSnapshot({ pending: [deploy, push] }));

      await user.keyboard("x");

      expect(hint().textContent?.trim()).toBe("A approve marked · D deny marked");
    });

    it("opens the list of keys with ? and closes it with Escape before the popover", async () => {
      const { user } = await showPopover(makeSnapshot({ pending: [deploy] }));

      await user.keyboard("?");
      const keys = screen.getByRole("button", { name: "All keys" });
      expect(keys.getAttribute("aria-expanded")).toBe("true");
      const list = document.getElementById(keys.getAttribute("aria-controls")!)!;
      const rows = [...list.querySelectorAll("dt")].map(
        (dt) => `${dt.textContent} ${dt.nextElementSibling?.textContent}`,
      );
      expect(rows).toEqual([
        "j / k, ↑ / ↓ select",
        "a, Enter approve",
        "d deny (type a reason, Enter)",
        "g allow from now on",
        "x, Space mark for a batch",
        "A / D approve / deny the marked",
        "esc close",
        "? these keys",
      ]);

      await user.keyboard("{Escape}");
      expect(document.getElementById("popover-keys")).toBeNull();
      expect(popoverHide).not.toHaveBeenCalled();
      await user.keyboard("{Escape}");
      expect(popoverHide).toHaveBeenCalledOnce();
    });
  });

  describe("grants", () => {
    const gitStatus = makeGrant({
      id: "grant-git",
      created_at: NOW - 48 * 60_000,
      expires_at: NOW + 12 * 60_000,
      uses: 2,
    });
    const npmTest = makeGrant({
      id: "grant-npm",
      label: "Bash commands starting with `npm test`",
      project: "/home/me/shop",
      until_session_end: true,
      expires_at: NOW + 24 * 60 * 60_000,
      uses: 1,
    });
    const expired = makeGrant({ id: "grant-old", expires_at: NOW - 1 });
    const revoked = makeGrant({ id: "grant-revoked", ended_at: NOW - 1000, ended_by: "window" });

    function activeLine() {
      return document.querySelector<HTMLElement>("p.grants-active");
    }

    function grantRows() {
      return [...document.querySelectorAll<HTMLElement>("li.grant")];
    }

    it("says how many grants are active, and lists them when asked", async () => {
      vi.mocked(grantsList).mockResolvedValue([gitStatus, npmTest, expired, revoked]);
      const { user } = await showPopover(makeSnapshot({ agents: [agent] }));

      await vi.waitFor(() => expect(activeLine()?.textContent?.trim()).toBe("2 grants active"));
      expect(grantRows()).toHaveLength(0);
      const toggle = within(activeLine()!).getByRole("button", { name: "2 grants active" });
      expect(toggle.getAttribute("aria-expanded")).toBe("false");

      await user.click(toggle);

      expect(toggle.getAttribute("aria-expanded")).toBe("true");
      const rows = grantRows().map((row) => row.textContent?.replace(/\s+/g, " ").trim());
      expect(rows).toEqual([
        "Bash commands starting with `git status` Revoke " +
          "claude in ~/shop · 12 min left · approved 2 requests",
        "Bash commands starting with `npm test` Revoke claude in ~/shop · " +
          "only in /home/me/shop · until the session ends · approved 1 request",
      ]);
    });

    it("says 1 grant active, and nothing when none is", async () => {
      vi.mocked(grantsList).mockResolvedValue([gitStatus, expired]);
      await showPopover(makeSnapshot({ seq: 1 }));
      await vi.waitFor(() => expect(activeLine()?.textContent?.trim()).toBe("1 grant active"));

      vi.mocked(grantsList).mockResolvedValue([expired]);
      await deliver(makeEvent(2, { type: "grants-changed" }));

      await vi.waitFor(() => expect(activeLine()).toBeNull());
      expect(grantsList).toHaveBeenCalledTimes(2);
    });

    it("counts a grant out once it expires, with no event", async () => {
      vi.mocked(grantsList).mockResolvedValue([
        gitStatus,
        makeGrant({ id: "grant-soon", expires_at: NOW + 30_000 }),
      ]);
      await showPopover(makeSnapshot());
      await vi.waitFor(() => expect(activeLine()?.textContent?.trim()).toBe("2 grants active"));

      vi.advanceTimersByTime(30_000);
      await tick();

      expect(activeLine()?.textContent?.trim()).toBe("1 grant active");
      expect(grantsList).toHaveBeenCalledOnce();
    });

    it("revokes a grant and lists them again", async () => {
      vi.mocked(grantsList).mockResolvedValue([gitStatus, npmTest]);
      vi.mocked(grantRevoke).mockResolvedValue(undefined);
      const { user } = await showPopover(makeSnapshot({ agents: [agent] }));
      await user.click(await screen.findByRole("button", { name: "2 grants active" }));
      vi.mocked(grantsList).mockResolvedValue([
        gitStatus,
        { ...npmTest, ended_at: NOW, ended_by: "popover" },
      ]);

      const revoke = within(grantRows()[1]!).getByRole("button", { name: "Revoke" });
      expect(revoke.classList).toContain("revoke");
      await user.click(revoke);

      expect(grantRevoke).toHaveBeenCalledExactlyOnceWith("grant-npm");
      await vi.waitFor(() => expect(activeLine()?.textContent?.trim()).toBe("1 grant active"));
      expect(grantsList).toHaveBeenCalledTimes(2);
      expect(grantRows()).toHaveLength(1);
    });

    it("says why a revoke was refused", async () => {
      vi.mocked(grantsList).mockResolvedValue([gitStatus]);
      vi.mocked(grantRevoke).mockRejectedValue("it has ended or expired already");
      const { user } = await showPopover(makeSnapshot());
      await user.click(await screen.findByRole("button", { name: "1 grant active" }));

      await user.click(within(grantRows()[0]!).getByRole("button", { name: "Revoke" }));

      expect((await within(grantRows()[0]!).findByRole("alert")).textContent).toBe(
        "Could not revoke it: it has ended or expired already",
      );
    });

    it("shows agent-written markup in a grant as literal text", async () => {
      const markup = "<img src=x onerror=alert(1)>";
      vi.mocked(grantsList).mockResolvedValue([
        makeGrant({ id: "grant-evil", label: markup, project: `/tmp/${markup}` }),
      ]);
      const { user, container } = await showPopover(makeSnapshot());
      await user.click(await screen.findByRole("button", { name: "1 grant active" }));

      expect(within(grantRows()[0]!).getByText(markup)).toBeTruthy();
      expect(grantRows()[0]!.textContent).toContain(`only in /tmp/${markup}`);
      expect(container.querySelector("img")).toBeNull();
    });
  });

  describe("clearing finished agents", () => {
    const done = makeAgent({ id: "done", name: "codex", state: "done", last_seen: NOW - 60_000 });
    const failed = makeAgent({
      id: "failed",
      name: "nightly script",
      state: "error",
      last_seen: NOW - 120_000,
    });
    const working = makeAgent({ id: "working", name: "claude in ~/shop", state: "working" });
    // Finished by its own word, but an approval of it still waits.
    const asking = makeAgent({ id: "asking", name: "aider", state: "idle", pending: 1 });

    function clearButton() {
      return screen.queryByRole("button", { name: /^Clear finished/ }) as HTMLButtonElement | null;
    }

    function agentNames() {
      return within(screen.getByRole("list", { name: "Agents" }))
        .getAllByRole("listitem")
        .map((row) => row.querySelector(".name")?.textContent);
    }

    it("is offered with the count of finished agents, only when there are some", async () => {
      await showPopover(makeSnapshot({ seq: 1, agents: [working, asking] }));
      expect(clearButton()).toBeNull();

      await deliver(agentUpdated(2, { ...working, state: "done" }));
      expect(clearButton()?.textContent?.trim()).toBe("Clear finished (1)");
      expect(clearButton()?.classList).toContain("link");

      await deliver(agentUpdated(3, done));
      await deliver(agentUpdated(4, failed));
      expect(clearButton()?.textContent?.trim()).toBe("Clear finished (3)");
    });

    it("removes exactly the finished agents, which leave once the inbox says so", async () => {
      vi.mocked(agentsRemove).mockResolvedValue(["done", "failed"]);
      const { user } = await showPopover(
        makeSnapshot({ seq: 1, agents: [done, working, asking, failed] }),
      );

      await user.click(clearButton()!);

      expect(agentsRemove).toHaveBeenCalledExactlyOnceWith(["done", "failed"]);
      expect(agentNames()).toHaveLength(4);

      await deliver(makeEvent(2, { type: "agents-removed", ids: ["done", "failed"] }));

      expect(agentNames()).toEqual(["claude in ~/shop", "aider"]);
      expect(clearButton()).toBeNull();
      expect(screen.getByText("0 approvals waiting · 2 agents")).toBeTruthy();
    });

    it("cannot be clicked again while the removal runs", async () => {
      let answer: (ids: string[]) => void = () => {};
      vi.mocked(agentsRemove).mockReturnValue(new Promise((resolve) => (answer = resolve)));
      const { user } = await showPopover(makeSnapshot({ agents: [done, working] }));

      await user.click(clearButton()!);
      expect(clearButton()?.disabled).toBe(true);
      await user.click(clearButton()!);
      expect(agentsRemove).toHaveBeenCalledOnce();

      answer(["done"]);
      await vi.waitFor(() => expect(clearButton()?.disabled).toBe(false));
    });

    it("says why the finished agents could not be cleared", async () => {
      vi.mocked(agentsRemove).mockRejectedValue("the inbox database is locked");
      const { user } = await showPopover(makeSnapshot({ agents: [done, working] }));

      await user.click(clearButton()!);

      const alert = await screen.findByRole("alert");
      expect(alert.textContent?.trim()).toBe(
        "Could not clear the finished agents: the inbox database is locked",
      );
      expect(agentNames()).toEqual(["claude in ~/shop", "codex"]);
      expect(clearButton()?.disabled).toBe(false);
    });
  });

  describe("inbox events", () => {
    it("adds a card when a request is created and removes it when resolved", async () => {
      await showPopover(makeSnapshot({ seq: 1, agents: [agent] }));

      await deliver(created(2, deploy));
      expect(cards()).toHaveLength(1);
      expect(screen.getByText("Deploy to production")).toBeTruthy();

      await deliver(resolved(3, deploy));
      expect(cards()).toHaveLength(0);
      expect(screen.getByText(/No approvals waiting/)).toBeTruthy();
    });

    it("ignores events the snapshot already covers", async () => {
      await showPopover(makeSnapshot({ seq: 5 }));

      await deliver(created(5, deploy));
      await deliver(created(4, push));

      expect(cards()).toHaveLength(0);
    });

    it("replaces everything on resync", async () => {
      await showPopover(makeSnapshot({ seq: 1, pending: [deploy, push] }));

      pushResync(makeSnapshot({ seq: 9, pending: [wipe] }));
      await tick();

      expect(cards().map((card) => card.textContent)).toEqual([
        expect.stringContaining("Wipe cache"),
      ]);
    });

    it("says so when the inbox cannot be loaded", async () => {
      vi.mocked(inboxSnapshot).mockRejectedValue("inbox database is locked");
      render(Popover);

      const error = await screen.findByRole("alert");
      expect(error.textContent).toBe("Could not load the inbox: inbox database is locked");
    });
  });
});

describe("first paint", () => {
  it("is reported once, after the inbox data is on screen, not before and not per event", async () => {
    // jsdom paints nothing and runs no animation frames: a frame is the next macrotask here.
    vi.stubGlobal("requestAnimationFrame", (callback: FrameRequestCallback) =>
      setTimeout(() => callback(0), 0),
    );
    vi.mocked(inboxSnapshot).mockReturnValue(new Promise(() => {})); // never answers
    const view = render(Popover);
    await new Promise((resolve) => requestAnimationFrame(resolve));
    expect(popoverPainted).not.toHaveBeenCalled();
    view.unmount();

    await showPopover(makeSnapshot({ pending: [makeRequest({ id: "req-1" })] }));
    await vi.waitFor(() => expect(popoverPainted).toHaveBeenCalledTimes(1));
    pushEvent(created(2, makeRequest({ id: "req-2", title: "Second" })));
    await tick();
    await new Promise((resolve) => requestAnimationFrame(resolve));
    expect(popoverPainted).toHaveBeenCalledTimes(1);
    vi.unstubAllGlobals();
  });

  it("paints what the app handed over at once, before its first round trip answers", async () => {
    vi.stubGlobal("requestAnimationFrame", (callback: FrameRequestCallback) =>
      setTimeout(() => callback(0), 0),
    );
    vi.mocked(takeInitialSnapshot).mockReturnValue(
      makeSnapshot({ seq: 4, pending: [makeRequest({ id: "req-1", title: "Handed over" })] }),
    );
    let answer: (snapshot: Snapshot) => void = () => {};
    vi.mocked(inboxSnapshot).mockReturnValue(new Promise((resolve) => (answer = resolve)));
    render(Popover);

    expect(await screen.findByText("Handed over")).toBeTruthy();
    await vi.waitFor(() => expect(popoverPainted).toHaveBeenCalledTimes(1));

    // The first fetch, newer, has it decided: the card goes.
    answer(makeSnapshot({ seq: 6, pending: [makeRequest({ id: "req-2", title: "Newer" })] }));
    expect(await screen.findByText("Newer")).toBeTruthy();
    expect(screen.queryByText("Handed over")).toBeNull();
    vi.unstubAllGlobals();
  });

  it("waits for a popover built hidden to be shown, and is reported again at each show", async () => {
    vi.stubGlobal("requestAnimationFrame", (callback: FrameRequestCallback) =>
      setTimeout(() => callback(0), 0),
    );
    let visibility: DocumentVisibilityState = "hidden";
    const visibilityState = vi
      .spyOn(document, "visibilityState", "get")
      .mockImplementation(() => visibility);
    const setVisibility = (state: DocumentVisibilityState) => {
      visibility = state;
      document.dispatchEvent(new Event("visibilitychange"));
    };

    // Built hidden when an approval arrived: the data loads, nothing is on screen yet.
    await showPopover(makeSnapshot({ pending: [makeRequest({ id: "req-1" })] }));
    await new Promise((resolve) => requestAnimationFrame(resolve));
    expect(popoverPainted).not.toHaveBeenCalled();

    setVisibility("visible");
    await vi.waitFor(() => expect(popoverPainted).toHaveBeenCalledTimes(1));
    setVisibility("hidden");
    setVisibility("visible");
    await vi.waitFor(() => expect(popoverPainted).toHaveBeenCalledTimes(2));

    visibilityState.mockRestore();
    vi.unstubAllGlobals();
  });
});
