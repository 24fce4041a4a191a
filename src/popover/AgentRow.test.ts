import { render, screen } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it } from "vitest";
import type { Agent } from "../lib/bindings/Agent";
import type { TerminalVisit } from "../lib/bindings/TerminalVisit";
import { NOW, makeAgent } from "../test/fixtures";
import AgentRow from "./AgentRow.svelte";

afterEach(() => clearMocks());

/** Answers each terminal_go with `visit`, and records what it was asked. */
function answerTerminalGo(visit: TerminalVisit) {
  const calls: { command: string; args: unknown }[] = [];
  mockIPC((command, args) => {
    calls.push({ command, args });
    return visit;
  });
  return calls;
}

function showRow(agent: Agent) {
  const view = render(AgentRow, { agent, now: NOW });
  return { ...view, user: userEvent.setup() };
}

describe("AgentRow", () => {
  it("goes to the terminal a coding agent runs in, and says why not when it cannot", async () => {
    const calls = answerTerminalGo({
      arrived: false,
      done: [],
      problem:
        "Converge Tray does not know where this agent runs: it learns it when the agent next asks or reports, while Converge Tray runs.",
    });
    const { container, user } = showRow(makeAgent({ id: "claude-1", name: "claude in ~/shop" }));

    const go = screen.getByRole("button", { name: "Go to terminal" });
    expect(go.classList).toContain("go-terminal");
    // Tied to the agent's name, as every row has one.
    expect(document.getElementById(go.getAttribute("aria-describedby") ?? "")?.textContent).toBe(
      "claude in ~/shop",
    );
    await user.click(go);

    expect(calls).toEqual([
      { command: "terminal_go", args: { requestId: null, agentId: "claude-1" } },
    ]);
    const status = await screen.findByRole("status");
    expect(status).toBe(container.querySelector(".terminal-problem"));
    expect(status.textContent).toBe(
      "Converge Tray does not know where this agent runs: it learns it when the agent next asks or reports, while Converge Tray runs.",
    );
  });

  it("offers a terminal for every agent but a Converge job, which runs inside the app", () => {
    const calls = answerTerminalGo({ arrived: true, done: [], problem: null });
    const script = showRow(makeAgent({ id: "nightly", name: "nightly script", kind: "script" }));
    expect(script.container.querySelector(".go-terminal")?.textContent?.trim()).toBe(
      "Go to terminal",
    );
    script.unmount();

    const { container } = showRow(
      makeAgent({ id: "converge:run-7", name: "Expense review", kind: "converge" }),
    );

    expect(screen.queryByRole("button", { name: "Go to terminal" })).toBeNull();
    expect(container.querySelector(".go-terminal")).toBeNull();
    expect(calls).toEqual([]);
  });

  /** The row's second line, as read: what the agent does, for how long, and what it cost. */
  function doing(container: HTMLElement): string | null {
    const line = container.querySelector(".doing");
    return line === null ? null : (line.textContent?.replace(/\s+/g, " ").trim() ?? "");
  }

  it("says what a working agent does and for how long", async () => {
    const agent = makeAgent({
      id: "claude-1",
      name: "claude in ~/shop",
      state: "working",
      activity: "Bash: cargo test",
      activity_at: NOW - 150_000,
    });
    const { container, rerender } = showRow(agent);

    expect(doing(container)).toBe("Bash: cargo test for 2 min");
    expect(container.querySelector(".lasted")?.textContent).toBe("for 2 min");

    await rerender({ agent, now: NOW + 45 * 60_000 });

    expect(container.querySelector(".lasted")?.textContent).toBe("for 47 min");
  });

  it("says a waiting agent waits for you, or in its terminal", async () => {
    const agent = makeAgent({
      id: "claude-1",
      state: "waiting-for-approval",
      activity: "Bash: rm -rf target",
      activity_at: NOW - 150_000,
      pending: 1,
    });
    const { container, rerender } = showRow(agent);

    const row = container.querySelector("li.agent") as HTMLElement;
    expect(row.dataset.state).toBe("waiting-for-approval");
    expect(row.dataset.agentId).toBe("claude-1");
    expect(doing(container)).toBe("waiting for you");

    await rerender({ agent: { ...agent, pending: 3 }, now: NOW });
    expect(doing(container)).toBe("waiting for you · 3 requests");

    await rerender({ agent: { ...agent, state: "waiting-for-input", pending: 0 }, now: NOW });
    expect(doing(container)).toBe("waiting in its terminal");
    expect(row.dataset.state).toBe("waiting-for-input");
    expect(screen.getByRole("button", { name: "Go to terminal" })).toBeTruthy();

    // What it waits for, where its hooks said so.
    const waits = "Waits in its terminal for approval: touch /tmp/x";
    await rerender({
      agent: { ...agent, state: "waiting-for-input", pending: 0, activity: waits },
      now: NOW,
    });
    expect(doing(container)).toBe(waits);
  });

  it("shows the session's cost, or its tokens where no price is known", async () => {
    const usage = {
      input_tokens: 18_400,
      output_tokens: 6_250,
      cache_read_tokens: 412_000,
      cache_write_tokens: 38_900,
      model: "claude-sonnet-4-5",
    };
    const agent = makeAgent({
      id: "claude-1",
      state: "idle",
      usage,
      estimated_cost_micro_usd: 1_330_000,
    });
    const { container, rerender } = showRow(agent);

    const figure = () => container.querySelector(".agent-usage") as HTMLElement | null;
    expect(figure()?.textContent).toBe("$1.33");
    // The whole of it, a hover away.
    expect(figure()?.title).toBe(
      "Tokens: 18,400 in · 6,250 out · 412,000 cache read · 38,900 cache write" +
        " (claude-sonnet-4-5) · about $1.33",
    );

    await rerender({ agent: { ...agent, estimated_cost_micro_usd: null }, now: NOW });
    expect(figure()?.textContent).toBe("24.6k tokens");

    await rerender({ agent: { ...agent, usage: null, estimated_cost_micro_usd: null }, now: NOW });
    expect(figure()).toBeNull();
  });
});
