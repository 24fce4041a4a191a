import { render, screen } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { ApprovalRequest } from "../bindings/ApprovalRequest";
import { NOW, makeRequest } from "../../test/fixtures";
import ApprovalCard from "./ApprovalCard.svelte";

function hookDetails(input: unknown): string {
  return `${JSON.stringify(input, null, 2)}\n\ncwd: /home/me/shop\nsession: abc123\npermission mode: default\n`;
}

function showCard(request: ApprovalRequest) {
  const noop = () => {};
  const view = render(ApprovalCard, {
    request,
    agentName: "claude in ~/shop",
    now: NOW,
    selected: false,
    denying: false,
    decision: undefined,
    onselect: noop,
    onapprove: noop,
    onstartdeny: noop,
    oncanceldeny: noop,
    ondeny: noop,
  });
  return { ...view, user: userEvent.setup() };
}

describe("ApprovalCard", () => {
  it("shows a shell call as its command line and keeps the raw input one click away", async () => {
    const details = hookDetails({
      command: "rm -rf node_modules",
      description: "Remove node_modules directory",
    });
    const { container, user } = showCard(
      makeRequest({ id: "bash", action: "Bash", details }),
    );

    expect(container.querySelector("pre.command")?.textContent).toBe("rm -rf node_modules");
    expect(screen.getByText("Remove node_modules directory")).toBeTruthy();
    expect(screen.getByText("/home/me/shop")).toBeTruthy();
    expect(container.querySelector("pre.details")).toBeNull();

    const toggle = screen.getByRole("button", { name: "Show raw input" });
    expect(toggle.classList.contains("raw-toggle")).toBe(true);
    expect(toggle.getAttribute("aria-expanded")).toBe("false");
    await user.click(toggle);

    expect(container.querySelector("pre.details")?.textContent).toBe(details);
    expect(toggle.getAttribute("aria-expanded")).toBe("true");
    await user.click(screen.getByRole("button", { name: "Hide raw input" }));
    expect(container.querySelector("pre.details")).toBeNull();
  });

  it("shows a script's details exactly as before, with no toggle", () => {
    const { container } = showCard(
      makeRequest({ id: "script", action: "deploy", details: "kubectl apply -f prod.yaml" }),
    );

    expect(container.querySelector("pre.details")?.textContent).toBe("kubectl apply -f prod.yaml");
    expect(container.querySelector(".raw-toggle")).toBeNull();
    expect(container.querySelector(".action-view")).toBeNull();
  });

  it("keeps markup in a command literal and reveals hidden characters", () => {
    const command = "echo <img src=x onerror=alert(1)> \u202Egnp.exe";
    const { container } = showCard(
      makeRequest({ id: "evil", action: "Bash", details: hookDetails({ command }) }),
    );

    expect(container.querySelector("pre.command")?.textContent).toBe(
      "echo <img src=x onerror=alert(1)> ⟨U+202E⟩gnp.exe",
    );
    expect(container.querySelector("img")).toBeNull();
  });

  it("shows an edit as a diff with its file path", () => {
    const { container } = showCard(
      makeRequest({
        id: "edit",
        action: "Edit",
        details: hookDetails({ file_path: "src/a.ts", old_string: "x\ny", new_string: "x\nz" }),
      }),
    );

    expect(screen.getByText("src/a.ts")).toBeTruthy();
    const diff = container.querySelector("pre.diff");
    expect(diff?.textContent).toBe("  x\n- y\n+ z\n");
    expect(diff?.querySelector(".removed")?.textContent).toBe("- y\n");
    expect(diff?.querySelector(".added")?.textContent).toBe("+ z\n");
  });

  it("shows a write's path, size and first lines", () => {
    const { container } = showCard(
      makeRequest({
        id: "write",
        action: "Write",
        details: hookDetails({ file_path: "/tmp/n.txt", content: "hello\nworld\n" }),
      }),
    );

    expect(screen.getByText("/tmp/n.txt")).toBeTruthy();
    expect(screen.getByText("· 12 bytes")).toBeTruthy();
    expect(container.querySelector("pre.head")?.textContent).toBe("hello\nworld");
  });

  it("shows an MCP call's server, tool and arguments", () => {
    const { container } = showCard(
      makeRequest({
        id: "mcp",
        action: "mcp__github__create_issue",
        details: hookDetails({ title: "Bug" }),
      }),
    );

    expect(screen.getByText("github")).toBeTruthy();
    expect(screen.getByText("create_issue")).toBeTruthy();
    expect(container.querySelector("pre.args")?.textContent).toBe('{\n  "title": "Bug"\n}');
  });

  it("shows a network request's host and port", () => {
    showCard(
      makeRequest({
        id: "fetch",
        action: "WebFetch",
        details: hookDetails({ url: "https://example.com/docs" }),
      }),
    );

    expect(screen.getByText("example.com:443")).toBeTruthy();
    expect(screen.getByText("https://example.com/docs")).toBeTruthy();
  });
});
