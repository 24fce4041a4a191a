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
});
