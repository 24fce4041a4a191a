import { emit } from "@tauri-apps/api/event";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it, vi } from "vitest";
import { created, makeGrant, makeRequest, makeSettings, makeSnapshot } from "../test/fixtures";
import type { HistoryPage } from "./bindings/HistoryPage";
import type { HistoryQuery } from "./bindings/HistoryQuery";
import type { JobsOverview } from "./bindings/JobsOverview";
import type { Timeline } from "./bindings/Timeline";
import {
  agentTimeline,
  agentsRemove,
  auditVerify,
  grantOffers,
  grantRevoke,
  grantsList,
  historyQuery,
  inboxApproveAndGrant,
  inboxDecide,
  inboxDecideBatch,
  inboxSnapshot,
  jobRun,
  jobsOverview,
  phoneConfirm,
  phoneSetUp,
  phoneStatus,
  phoneTurnOff,
  phoneVerify,
  popoverHide,
  popoverPainted,
  popoverSelect,
  problemsList,
  settingsGet,
  settingsSet,
  terminalGo,
  windowOpen,
} from "./bindings/commands";
import {
  onPhoneChanged,
  onProblemAdded,
  onSelectRequest,
  onSettingsChanged,
  subscribe,
  takeInitialSnapshot,
} from "./bridge";

afterEach(() => clearMocks());

function recordCommands(reply: (command: string) => unknown = () => null) {
  const calls: { command: string; args: unknown }[] = [];
  mockIPC(
    (command, args) => {
      calls.push({ command, args });
      return reply(command);
    },
    { shouldMockEvents: true },
  );
  return calls;
}

// The generated calls: each sends its command by name, with its arguments named in camelCase.
describe("commands", () => {
  it("fetches the snapshot", async () => {
    const snapshot = makeSnapshot({ seq: 7 });
    const calls = recordCommands(() => snapshot);

    await expect(inboxSnapshot()).resolves.toEqual(snapshot);
    expect(calls).toEqual([{ command: "inbox_snapshot", args: {} }]);
  });

  it("sends a decision with its request id and verdict, and no claimed surface", async () => {
    const calls = recordCommands();

    await inboxDecide("req-1", { verdict: "deny", reason: "not on prod" });

    expect(calls).toEqual([
      {
        command: "inbox_decide",
        args: {
          requestId: "req-1",
          verdict: { verdict: "deny", reason: "not on prod" },
        },
      },
    ]);
  });

  it("sends a batch decision with its request ids and verdict, returning the outcome", async () => {
    const outcome = {
      decided: ["req-1"],
      refused: [{ id: "req-2", reason: "high risk: approve it from its own card" }],
    };
    const calls = recordCommands(() => outcome);

    await expect(inboxDecideBatch(["req-1", "req-2"], { verdict: "approve" })).resolves.toEqual(
      outcome,
    );

    expect(calls).toEqual([
      {
        command: "inbox_decide_batch",
        args: { requestIds: ["req-1", "req-2"], verdict: { verdict: "approve" } },
      },
    ]);
  });

  it("asks for a card's offers, approves and grants, lists and revokes grants", async () => {
    const offers = {
      offers: [{ what: { kind: "this-action" }, label: "exactly `ls`" }],
      project: "/home/me/shop",
    };
    const grant = makeGrant({ id: "grant-1" });
    const calls = recordCommands((command) =>
      command === "grant_offers"
        ? offers
        : command === "inbox_approve_and_grant"
          ? grant
          : command === "grants_list"
            ? [grant]
            : null,
    );
    const spec = { what: { kind: "tool" }, in_project: true, duration: "session" } as const;

    await expect(grantOffers("req-1")).resolves.toEqual(offers);
    await expect(inboxApproveAndGrant("req-1", spec)).resolves.toEqual(grant);
    await expect(grantsList()).resolves.toEqual([grant]);
    await grantRevoke("grant-1");

    expect(calls).toEqual([
      { command: "grant_offers", args: { requestId: "req-1" } },
      { command: "inbox_approve_and_grant", args: { requestId: "req-1", spec } },
      { command: "grants_list", args: {} },
      { command: "grant_revoke", args: { grantId: "grant-1" } },
    ]);
  });

  it("asks to remove agents, answering with the ids taken off", async () => {
    const calls = recordCommands(() => ["agent-done"]);

    await expect(agentsRemove(["agent-done", "agent-working"])).resolves.toEqual(["agent-done"]);
    expect(calls).toEqual([
      { command: "agents_remove", args: { agentIds: ["agent-done", "agent-working"] } },
    ]);
  });

  it("goes to the terminal of a request or of an agent, naming only that one", async () => {
    const visit = {
      arrived: false,
      done: ["Switched to tmux session “work”, window 1, pane 0"],
      problem: "No window of the agent's terminal was found.",
    };
    const calls = recordCommands(() => visit);

    await expect(terminalGo("req-1", null)).resolves.toEqual(visit);
    await terminalGo(null, "agent-1");

    expect(calls).toEqual([
      { command: "terminal_go", args: { requestId: "req-1", agentId: null } },
      { command: "terminal_go", args: { requestId: null, agentId: "agent-1" } },
    ]);
  });

  it("hides the popover and opens the full window", async () => {
    const calls = recordCommands();

    await popoverHide();
    await windowOpen();

    expect(calls.map((call) => call.command)).toEqual(["popover_hide", "window_open"]);
  });

  it("queries the history with the whole query", async () => {
    const query: HistoryQuery = {
      agent_id: "agent-1",
      outcome: "denied",
      event: "resolved",
      text: "rm -rf",
      from: 1_000,
      to: 2_000,
      before_seq: 40,
      limit: 50,
      grant_id: null,
    };
    const page: HistoryPage = { entries: [], next_before: null };
    const calls = recordCommands(() => page);

    await expect(historyQuery(query)).resolves.toEqual(page);
    expect(calls).toEqual([{ command: "history_query", args: { query } }]);
  });

  it("asks for an agent's timeline, newest page first, then older ones", async () => {
    const timeline: Timeline = {
      agent_id: "claude-1",
      entries: [{ at: 1_000, what: { kind: "reported", state: "working", activity: "Read" } }],
      more: true,
    };
    const calls = recordCommands(() => timeline);

    await expect(agentTimeline("claude-1", null)).resolves.toEqual(timeline);
    await agentTimeline("claude-1", 1_000);
    expect(calls).toEqual([
      { command: "agent_timeline", args: { agentId: "claude-1", before: null } },
      { command: "agent_timeline", args: { agentId: "claude-1", before: 1_000 } },
    ]);
  });

  it("verifies the audit log", async () => {
    const report = { entries: 12, first_broken: { seq: 7, problem: "hash mismatch" } };
    const calls = recordCommands(() => report);

    await expect(auditVerify()).resolves.toEqual(report);
    expect(calls).toEqual([{ command: "audit_verify", args: {} }]);
  });

  it("fetches the jobs overview and starts a job by its id", async () => {
    const overview: JobsOverview = { definitions: [], problem: "expected `=`", runs: [] };
    const calls = recordCommands((command) => (command === "job_run" ? "run-7" : overview));

    await expect(jobsOverview()).resolves.toEqual(overview);
    await expect(jobRun("travel-expense")).resolves.toBe("run-7");
    expect(calls).toEqual([
      { command: "jobs_overview", args: {} },
      { command: "job_run", args: { jobId: "travel-expense" } },
    ]);
  });

  it("reports the first paint with the page's own reading of the frame", async () => {
    const calls = recordCommands();
    await popoverPainted(1_796_000_000_123);
    expect(calls).toEqual([{ command: "popover_painted", args: { frameAtMs: 1_796_000_000_123 } }]);
  });
});

// The events, the snapshot handed over, and the commands that go with an event.
describe("bridge", () => {
  it("reads and writes the settings, and hears when they change", async () => {
    const stored = makeSettings();
    const applied = makeSettings({ start_at_login: true });
    const calls = recordCommands((command) => (command === "settings_get" ? stored : applied));
    const onChange = vi.fn();
    const stop = await onSettingsChanged(onChange);

    await expect(settingsGet()).resolves.toEqual(stored);
    await expect(settingsSet(applied)).resolves.toEqual(applied);
    await emit("settings://changed", applied);
    stop();
    await emit("settings://changed", stored);

    expect(calls.filter((call) => call.command.startsWith("settings_"))).toEqual([
      { command: "settings_get", args: {} },
      { command: "settings_set", args: { settings: applied } },
    ]);
    expect(onChange.mock.calls).toEqual([[applied]]);
  });

  it("sets Phone up, verifies, answers and turns it off, and hears when it changes", async () => {
    const off = {
      state: "off",
      account: null,
      device: null,
      person: null,
      emojis: [],
      note: null,
    } as const;
    const starting = { ...off, state: "starting", account: "@tray:example.org" } as const;
    const calls = recordCommands((command) => (command === "phone_status" ? off : null));
    const onChange = vi.fn();
    const stop = await onPhoneChanged(onChange);

    await expect(phoneStatus()).resolves.toEqual(off);
    await phoneSetUp("https://matrix.example.org", "@tray:example.org", "pw", "@you:example.org");
    await phoneVerify();
    await phoneConfirm(false);
    await phoneTurnOff();
    await emit("phone://changed", starting);
    stop();
    await emit("phone://changed", off);

    expect(calls.filter((call) => call.command.startsWith("phone_"))).toEqual([
      { command: "phone_status", args: {} },
      {
        command: "phone_set_up",
        args: {
          homeserver: "https://matrix.example.org",
          account: "@tray:example.org",
          password: "pw",
          person: "@you:example.org",
        },
      },
      { command: "phone_verify", args: {} },
      { command: "phone_confirm", args: { matches: false } },
      { command: "phone_turn_off", args: {} },
    ]);
    expect(onChange.mock.calls).toEqual([[starting]]);
  });

  it("passes on inbox events and resyncs until unsubscribed", async () => {
    recordCommands();
    const onEvent = vi.fn();
    const onResync = vi.fn();
    const unsubscribe = await subscribe(onEvent, onResync);
    const event = created(3, makeRequest({ id: "r" }));
    const snapshot = makeSnapshot({ seq: 9 });

    await emit("inbox://event", event);
    await emit("inbox://resync", snapshot);
    unsubscribe();
    await emit("inbox://event", created(4, makeRequest({ id: "late" })));

    expect(onEvent.mock.calls).toEqual([[event]]);
    expect(onResync.mock.calls).toEqual([[snapshot]]);
  });

  it("when one of the two subscriptions fails, the other is undone and the error passes", async () => {
    const calls: { command: string; args: unknown }[] = [];
    mockIPC((command, args) => {
      calls.push({ command, args });
      const event = (args as { event?: string } | undefined)?.event;
      if (command === "plugin:event|listen" && event === "inbox://resync") {
        throw new Error("not allowed");
      }
      return command === "plugin:event|listen" ? 41 : null;
    });

    await expect(subscribe(vi.fn(), vi.fn())).rejects.toThrow("not allowed");
    const listened = calls.filter((call) => call.command === "plugin:event|listen");
    const undone = calls.filter((call) => call.command === "plugin:event|unlisten");
    expect(listened.map((call) => (call.args as { event: string }).event).sort()).toEqual([
      "inbox://event",
      "inbox://resync",
    ]);
    expect(undone).toHaveLength(1);
    expect(undone[0]?.args).toMatchObject({ event: "inbox://event", eventId: 41 });
  });

  it("hands over the snapshot the app put in the page once, then forgets it", () => {
    const snapshot = makeSnapshot({ seq: 3 });
    (window as { __CONVERGE_TRAY_SNAPSHOT__?: unknown }).__CONVERGE_TRAY_SNAPSHOT__ = snapshot;

    expect(takeInitialSnapshot()).toEqual(snapshot);
    expect(takeInitialSnapshot()).toBeNull();
  });

  it("reports the selection and hears which request to select", async () => {
    const calls = recordCommands();
    const onSelect = vi.fn();
    const stop = await onSelectRequest(onSelect);

    await popoverSelect("req-1", true);
    await popoverSelect("req-1", false);
    await popoverSelect(null, false);
    await emit("popover://select", "req-2");
    stop();
    await emit("popover://select", "req-3");

    expect(calls.filter((call) => call.command === "popover_select")).toEqual([
      { command: "popover_select", args: { requestId: "req-1", wholeSeen: true } },
      { command: "popover_select", args: { requestId: "req-1", wholeSeen: false } },
      { command: "popover_select", args: { requestId: null, wholeSeen: false } },
    ]);
    expect(onSelect.mock.calls).toEqual([["req-2"]]);
  });

  it("lists the problems and hears of new ones until stopped", async () => {
    const problems = ["The inbox was started afresh: its database could not be used."];
    const calls = recordCommands(() => problems);
    const onAdded = vi.fn();
    const stop = await onProblemAdded(onAdded);

    await expect(problemsList()).resolves.toEqual(problems);
    await emit("problems://added", "Converge Tray refused something: late");
    stop();
    await emit("problems://added", "after stopping");

    expect(calls.filter((call) => call.command === "problems_list")).toEqual([
      { command: "problems_list", args: {} },
    ]);
    expect(onAdded.mock.calls).toEqual([["Converge Tray refused something: late"]]);
  });
});
