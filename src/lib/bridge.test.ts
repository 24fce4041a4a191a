import { emit } from "@tauri-apps/api/event";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it, vi } from "vitest";
import { created, makeRequest, makeSnapshot } from "../test/fixtures";
import {
  decide,
  getSnapshot,
  hidePopover,
  onSelectRequest,
  reportSelection,
  subscribe,
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

describe("bridge", () => {
  it("fetches the snapshot", async () => {
    const snapshot = makeSnapshot({ seq: 7 });
    const calls = recordCommands(() => snapshot);

    await expect(getSnapshot()).resolves.toEqual(snapshot);
    expect(calls).toEqual([{ command: "inbox_snapshot", args: {} }]);
  });

  it("sends a decision with its request id and verdict, and no claimed surface", async () => {
    const calls = recordCommands();

    await decide("req-1", { verdict: "deny", reason: "not on prod" });

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

  it("hides the popover", async () => {
    const calls = recordCommands();

    await hidePopover();

    expect(calls.map((call) => call.command)).toEqual(["popover_hide"]);
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

  it("reports the selection and hears which request to select", async () => {
    const calls = recordCommands();
    const onSelect = vi.fn();
    const stop = await onSelectRequest(onSelect);

    await reportSelection("req-1");
    await reportSelection(null);
    await emit("popover://select", "req-2");
    stop();
    await emit("popover://select", "req-3");

    expect(calls.filter((call) => call.command === "popover_select")).toEqual([
      { command: "popover_select", args: { requestId: "req-1" } },
      { command: "popover_select", args: { requestId: null } },
    ]);
    expect(onSelect.mock.calls).toEqual([["req-2"]]);
  });
});
