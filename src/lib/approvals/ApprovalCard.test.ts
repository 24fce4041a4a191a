import { fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import userEvent from "@testing-library/user-event";
import type { ComponentProps } from "svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ApprovalRequest } from "../bindings/ApprovalRequest";
import type { GrantOffers } from "../bindings/GrantOffers";
import type { TerminalVisit } from "../bindings/TerminalVisit";
import { grantOffers } from "../bindings/commands";
import { NOW, longDetails, makeRequest } from "../../test/fixtures";
import ApprovalCard from "./ApprovalCard.svelte";
import { ReadingTracker } from "./readingTracker.svelte";

// Only the offers are stubbed: going to a terminal goes through the Tauri invoke, mocked.
vi.mock("../bindings/commands", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../bindings/commands")>()),
  grantOffers: vi.fn(),
}));

afterEach(() => {
  vi.resetAllMocks();
  clearMocks();
});

function hookDetails(input: unknown): string {
  return `${JSON.stringify(input, null, 2)}\n\ncwd: /home/me/shop\nsession: abc123\npermission mode: default\n`;
}

function showCard(
  request: ApprovalRequest,
  props: Partial<ComponentProps<typeof ApprovalCard>> = {},
) {
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
    onapproveremembering: noop,
    onanswer: noop,
    onstartdeny: noop,
    oncanceldeny: noop,
    ondeny: noop,
    granting: false,
    ontogglegrant: noop,
    onapproveandgrant: noop,
    reading: new ReadingTracker(() => [request]),
    ...props,
  });
  return { ...view, user: userEvent.setup() };
}

describe("ApprovalCard with an agent's questions", () => {
  const question = (questions: unknown[]) =>
    makeRequest({
      id: "q1",
      action: "AskUserQuestion",
      title: "Asks: Which database should the service use?",
      details: hookDetails({ questions }),
    });
  const database = {
    question: "Which database should the service use?",
    header: "Database",
    multiSelect: false,
    options: [
      { label: "PostgreSQL", description: "Relational, the team knows it" },
      { label: "SQLite", description: "One file, no server" },
    ],
  };

  it("shows each question and its options, with no Approve and no grant", () => {
    const { container } = showCard(question([database]));
    const card = container.querySelector("li.card")!;
    expect(within(card as HTMLElement).getByText("Which database should the service use?")).toBeTruthy();
    expect(within(card as HTMLElement).getByText("One file, no server")).toBeTruthy();
    expect(container.querySelector("button.approve")).toBeNull();
    expect(container.querySelector("button.allow-toggle")).toBeNull();
    expect((container.querySelector("button.answer") as HTMLButtonElement).disabled).toBe(true);
  });

  it("answers with the option picked, keyed by the question", async () => {
    const onanswer = vi.fn();
    const { user } = showCard(question([database]), { onanswer });
    await user.click(screen.getByLabelText(/SQLite/));
    await user.click(screen.getByRole("button", { name: "Answer" }));
    expect(onanswer).toHaveBeenCalledExactlyOnceWith({
      "Which database should the service use?": "SQLite",
    });
  });

  it("takes the person's own words, and several picks where the agent allows them", async () => {
    const onanswer = vi.fn();
    const features = {
      question: "Which features?",
      header: "Features",
      multiSelect: true,
      options: [
        { label: "Search", description: "" },
        { label: "Export", description: "" },
      ],
    };
    const { user } = showCard(question([database, features]), { onanswer });
    const send = screen.getByRole("button", { name: "Send answers" }) as HTMLButtonElement;
    await user.type(
      screen.getByLabelText("Your own answer to: Which database should the service use?"),
      "DuckDB",
    );
    expect(send.disabled).toBe(true); // the second question has no answer yet
    await user.click(screen.getByLabelText(/Search/));
    await user.click(screen.getByLabelText(/Export/));
    await user.click(send);
    expect(onanswer).toHaveBeenCalledExactlyOnceWith({
      "Which database should the service use?": "DuckDB",
      "Which features?": "Search, Export",
    });
  });

  it("leaves the question to the agent's terminal in one click, with no reason asked", async () => {
    const ondeny = vi.fn();
    const { user } = showCard(question([database]), { ondeny });
    await user.click(screen.getByRole("button", { name: "Answer in the terminal instead" }));
    expect(ondeny).toHaveBeenCalledExactlyOnceWith(null);
  });

  it("shows the agent's words as text, hidden characters revealed", () => {
    const { container } = showCard(
      question([{ ...database, question: "<b>Pick</b>\u202e one", options: [{ label: "<img src=x>", description: "" }] }]),
    );
    expect(container.querySelector("b")).toBeNull();
    expect(container.querySelector("img")).toBeNull();
  });
});

describe("ApprovalCard with a plan", () => {
  const plan = makeRequest({
    id: "p1",
    action: "ExitPlanMode",
    title: "Plan: Add a cache …",
    details: hookDetails({
      plan: "# Add a cache\n\n1. Read `config.toml`\n2. **Write** the cache\n",
      planFilePath: "/home/me/.claude/plans/add-a-cache.md",
    }),
  });

  it("shows the plan rendered, with Approve plan and Keep planning", () => {
    const { container } = showCard(plan);
    expect(container.querySelector(".plan h4")?.textContent).toBe("Add a cache");
    expect(container.querySelectorAll(".plan ol li")).toHaveLength(2);
    expect(container.querySelector(".plan strong")?.textContent).toBe("Write");
    expect(screen.getByRole("button", { name: "Approve plan" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Keep planning" })).toBeTruthy();
    expect(container.textContent).toContain("/home/me/.claude/plans/add-a-cache.md");
  });

  it("approves the plan", async () => {
    const onapprove = vi.fn();
    const { user } = showCard(plan, { onapprove });
    await user.click(screen.getByRole("button", { name: "Approve plan" }));
    expect(onapprove).toHaveBeenCalledOnce();
  });

  it("sends it back with what should change", async () => {
    const ondeny = vi.fn();
    const { user } = showCard(plan, { denying: true, ondeny });
    await user.type(screen.getByLabelText("What should change (optional)"), "cache less{Enter}");
    expect(ondeny).toHaveBeenCalledExactlyOnceWith("cache less");
  });
});

describe("ApprovalCard", () => {
  it("marks a request forwarded over SSH or from a container as remote, with its host", () => {
    const { container } = showCard(
      makeRequest({
        id: "remote",
        provenance: { pid: 777, uid: 1000, exe: "/usr/bin/ssh", remote: "ssh:devbox" },
      }),
    );
    expect(container.querySelector("p.remote")?.textContent).toBe("Remote · via SSH from devbox");
    expect(container.querySelector("p.requester")?.textContent).toContain("/usr/bin/ssh");

    const boxed = showCard(
      makeRequest({
        id: "boxed",
        provenance: { pid: 778, uid: 1000, exe: "/usr/bin/python3", remote: "container" },
      }),
    );
    expect(boxed.container.querySelector("p.remote")?.textContent).toBe(
      "Remote · from a container",
    );
    const local = showCard(makeRequest({ id: "local" }));
    expect(local.container.querySelector("p.remote")).toBeNull();
  });

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

  describe("the agent's own always-allow", () => {
    const always = "Always allow `Bash(npm test:*)` in this project (only you)";
    const acceptEdits = "Switch to accept-edits mode for this session";

    function choiceButtons(container: HTMLElement) {
      return [...container.querySelectorAll<HTMLButtonElement>("button.remember-choice")];
    }

    it("offers each choice as a button under Approve and Deny, saying who keeps it", () => {
      const { container } = showCard(
        makeRequest({ id: "npm", remember_choices: [always, acceptEdits] }),
        { agentKind: "claude-code" },
      );

      expect(screen.getByText("Or approve and let Claude Code remember:")).toBeTruthy();
      const buttons = choiceButtons(container);
      expect(buttons.map((button) => button.textContent?.trim())).toEqual([always, acceptEdits]);
      expect(buttons.map((button) => button.dataset.choice)).toEqual([always, acceptEdits]);
      expect(screen.getByRole("button", { name: always })).toBe(buttons[0]);
      expect(container.querySelector(".remember-note")?.textContent?.trim()).toBe(
        "Kept by Claude Code in its own settings; the tray cannot revoke it.",
      );
      // Below the Approve/Deny row.
      const row = container.querySelector(".buttons")!;
      const position = row.compareDocumentPosition(buttons[0]!);
      expect(position & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    });

    it("says 'the agent' keeps it when the agent's kind is not known", () => {
      const { container } = showCard(makeRequest({ id: "npm", remember_choices: [always] }));

      expect(container.querySelector(".remember-note")?.textContent?.trim()).toBe(
        "Kept by the agent in its own settings; the tray cannot revoke it.",
      );
    });

    it("shows markup and hidden characters in a choice as literal text", () => {
      const label = "Always allow <b>rm</b> <img src=x onerror=alert(1)> \u202Eevil";
      const { container } = showCard(makeRequest({ id: "evil", remember_choices: [label] }));

      const [button] = choiceButtons(container);
      expect(button?.textContent?.trim()).toBe(
        "Always allow <b>rm</b> <img src=x onerror=alert(1)> ⟨U+202E⟩evil",
      );
      expect(button?.dataset.choice).toBe(label);
      expect(container.querySelector("b")).toBeNull();
      expect(container.querySelector("img")).toBeNull();
    });

    it("approves remembering the clicked choice", async () => {
      const onapproveremembering = vi.fn();
      const onapprove = vi.fn();
      const { container, user } = showCard(
        makeRequest({ id: "npm", remember_choices: [always, acceptEdits] }),
        { onapproveremembering, onapprove },
      );

      await user.click(choiceButtons(container)[1]!);

      expect(onapproveremembering).toHaveBeenCalledExactlyOnceWith(acceptEdits);
      expect(onapprove).not.toHaveBeenCalled();
    });

    it("reaches the choices with Tab, after Approve and Deny", async () => {
      const { container, user } = showCard(makeRequest({ id: "npm", remember_choices: [always] }));

      screen.getByRole("button", { name: "Deny" }).focus();
      await user.tab();

      expect(document.activeElement).toBe(choiceButtons(container)[0]);
    });

    it("disables the choices while a decision is on its way", () => {
      const { container } = showCard(makeRequest({ id: "npm", remember_choices: [always] }), {
        decision: { state: "sending" },
      });

      expect(choiceButtons(container)[0]?.disabled).toBe(true);
    });

    it("still offers the choices on a high-risk card", () => {
      const { container } = showCard(
        makeRequest({
          id: "risky",
          risk: { level: "high", rule: "rm -rf" },
          remember_choices: [always],
        }),
      );

      expect(choiceButtons(container)).toHaveLength(1);
    });

    it("shows no such section when the agent offers no choice", () => {
      const { container } = showCard(makeRequest({ id: "plain" }));

      expect(container.querySelector(".remember-choice")).toBeNull();
      expect(container.querySelector(".remember-note")).toBeNull();
      expect(screen.queryByText(/let .* remember/)).toBeNull();
    });
  });

  describe("allow from now on", () => {
    const status = makeRequest({
      id: "req-status",
      details: hookDetails({ command: "git status --short" }),
    });
    const offers: GrantOffers = {
      offers: [
        { what: { kind: "this-action" }, label: "exactly `git status --short`" },
        {
          what: { kind: "command-prefix", words: ["git", "status"] },
          label: "Bash commands starting with `git status`",
        },
        {
          what: { kind: "command-prefix", words: ["git"] },
          label: "Bash commands starting with `git`",
        },
      ],
      project: "/home/me/shop",
    };

    function toggle(container: HTMLElement) {
      return container.querySelector<HTMLButtonElement>("button.allow-toggle");
    }

    async function showForm(
      answer: GrantOffers = offers,
      props: Partial<ComponentProps<typeof ApprovalCard>> = {},
    ) {
      vi.mocked(grantOffers).mockResolvedValue(answer);
      const view = showCard(status, { granting: true, ...props });
      const form = await screen.findByRole("form", { name: "Allow from now on" });
      await screen.findAllByRole("radio");
      return { ...view, form };
    }

    function radios(form: HTMLElement) {
      return [...form.querySelectorAll<HTMLInputElement>("input[name=grant-what]")];
    }

    function effect(form: HTMLElement) {
      return form.querySelector(".effect")?.textContent?.trim();
    }

    it("is offered beside Approve, closed until toggled", async () => {
      const ontogglegrant = vi.fn();
      const { container, user } = showCard(status, { ontogglegrant });

      const button = toggle(container)!;
      expect(button.textContent?.trim()).toBe("Allow from now on…");
      expect(button.getAttribute("aria-expanded")).toBe("false");
      expect(button.parentElement).toBe(container.querySelector(".buttons"));
      expect(container.querySelector("form.grant-form")).toBeNull();
      expect(grantOffers).not.toHaveBeenCalled();

      await user.click(button);

      expect(ontogglegrant).toHaveBeenCalledOnce();
    });

    it("is not offered on a high-risk card, even when asked to open", () => {
      const risky = makeRequest({ id: "risky", risk: { level: "high", rule: "rm -rf" } });
      const { container } = showCard(risky, { granting: true });

      expect(toggle(container)).toBeNull();
      expect(container.querySelector("form.grant-form")).toBeNull();
      expect(grantOffers).not.toHaveBeenCalled();
    });

    it("lists the offers, the narrowest picked, limited to the project", async () => {
      const { container, form } = await showForm();

      expect(grantOffers).toHaveBeenCalledExactlyOnceWith("req-status");
      expect(form.classList).toContain("grant-form");
      expect(toggle(container)!.getAttribute("aria-expanded")).toBe("true");
      const controlled = document.getElementById(toggle(container)!.getAttribute("aria-controls")!);
      expect(controlled?.contains(form)).toBe(true);
      const choices = radios(form);
      expect(choices.map((radio) => radio.value)).toEqual(["0", "1", "2"]);
      expect(choices.map((radio) => radio.checked)).toEqual([true, false, false]);
      expect(choices.map((radio) => radio.closest("label")?.textContent?.trim())).toEqual(
        offers.offers.map((offer) => offer.label),
      );
      expect(document.activeElement).toBe(choices[0]);
      const inProject = form.querySelector<HTMLInputElement>("input.grant-in-project")!;
      expect(inProject.checked).toBe(true);
      expect(inProject.closest("label")?.textContent?.trim()).toBe("Only in /home/me/shop");
      const duration = form.querySelector<HTMLSelectElement>("select.grant-duration")!;
      expect(duration.value).toBe("hour");
      expect([...duration.options].map((option) => [option.value, option.text])).toEqual([
        ["quarter-hour", "for 15 minutes"],
        ["hour", "for 1 hour"],
        ["session", "until this session ends"],
      ]);
      expect(effect(form)).toBe(
        "Approves this request, and later exactly `git status --short` from claude in ~/shop " +
          "in /home/me/shop for 1 hour without asking. High-risk requests still ask. " +
          "Revoke it any time.",
      );
      expect(
        screen.getByRole("button", { name: "Approve and allow" }).classList,
      ).toContain("grant-approve");
    });

    it("offers no project limit when the request names no directory", async () => {
      const { form } = await showForm({ ...offers, project: null });

      expect(form.querySelector("input.grant-in-project")).toBeNull();
      expect(effect(form)).toBe(
        "Approves this request, and later exactly `git status --short` from claude in ~/shop " +
          "for 1 hour without asking. High-risk requests still ask. Revoke it any time.",
      );
    });

    it("says what will happen as the choices change, then approves and grants them", async () => {
      const onapproveandgrant = vi.fn();
      const onapprove = vi.fn();
      const { form, user } = await showForm(offers, { onapproveandgrant, onapprove });

      await user.click(radios(form)[1]!);
      await user.click(form.querySelector("input.grant-in-project")!);
      await user.selectOptions(form.querySelector("select.grant-duration")!, "session");

      expect(effect(form)).toBe(
        "Approves this request, and later Bash commands starting with `git status` from " +
          "claude in ~/shop until this session ends without asking. High-risk requests still " +
          "ask. Revoke it any time.",
      );
      expect(onapproveandgrant).not.toHaveBeenCalled();

      await user.click(screen.getByRole("button", { name: "Approve and allow" }));

      expect(onapproveandgrant).toHaveBeenCalledExactlyOnceWith({
        what: { kind: "command-prefix", words: ["git", "status"] },
        in_project: false,
        duration: "session",
      });
      expect(onapprove).not.toHaveBeenCalled();
    });

    it("grants the narrowest, in the project, for an hour unless told otherwise", async () => {
      const onapproveandgrant = vi.fn();
      const { user } = await showForm(offers, { onapproveandgrant });

      await user.click(screen.getByRole("button", { name: "Approve and allow" }));

      expect(onapproveandgrant).toHaveBeenCalledExactlyOnceWith({
        what: { kind: "this-action" },
        in_project: true,
        duration: "hour",
      });
    });

    it("closes with Escape or g from inside the form", async () => {
      const ontogglegrant = vi.fn();
      const { user } = await showForm(offers, { ontogglegrant });

      await user.keyboard("{Escape}");
      expect(ontogglegrant).toHaveBeenCalledOnce();
      await user.keyboard("g");
      expect(ontogglegrant).toHaveBeenCalledTimes(2);
    });

    it("shows markup and hidden characters in offers and project as literal text", async () => {
      const label = "exactly `echo <img src=x onerror=alert(1)> \u202Eevil`";
      const { form, container } = await showForm({
        offers: [{ what: { kind: "this-action" }, label }],
        project: "/home/<b>me</b>",
      });

      expect(radios(form)[0]!.closest("label")?.textContent?.trim()).toBe(
        "exactly `echo <img src=x onerror=alert(1)> ⟨U+202E⟩evil`",
      );
      expect(effect(form)).toContain("⟨U+202E⟩evil` from claude in ~/shop in /home/<b>me</b>");
      expect(container.querySelector("img")).toBeNull();
      expect(container.querySelector("b")).toBeNull();
    });

    it("disables the form while a decision is on its way", async () => {
      const onapproveandgrant = vi.fn();
      const { form, container, user } = await showForm(offers, {
        onapproveandgrant,
        decision: { state: "sending" },
      });

      const approve = screen.getByRole("button", { name: "Approve and allow" });
      expect(approve).toHaveProperty("disabled", true);
      expect(radios(form)[0]!.matches(":disabled")).toBe(true);
      expect(toggle(container)).toHaveProperty("disabled", true);
      await user.click(approve);
      expect(onapproveandgrant).not.toHaveBeenCalled();
    });

    it("says why the offers could not be loaded", async () => {
      vi.mocked(grantOffers).mockRejectedValue("no request req-status");
      showCard(status, { granting: true });

      expect((await screen.findByRole("alert")).textContent).toBe(
        "Could not load what can be allowed: no request req-status",
      );
      expect(screen.queryByRole("button", { name: "Approve and allow" })).toBeNull();
    });
  });
  describe("high risk", () => {
    const command = "rm -rf ~/.cache/build";
    const risky = makeRequest({
      id: "risky",
      action: "Bash",
      details: hookDetails({ command }),
      risk: { level: "high", rule: "deletes files recursively" },
    });

    function confirmation() {
      return screen.queryByRole("group", { name: "Approve this high-risk request?" });
    }

    it("asks again on Approve, restating the command and the rule, Cancel focused", async () => {
      const onapprove = vi.fn();
      const { user } = showCard(risky, { onapprove });

      await user.click(screen.getByRole("button", { name: "Approve" }));

      expect(onapprove).not.toHaveBeenCalled();
      const ask = within(confirmation()!);
      expect(ask.getByText(command, { selector: "pre" })).toBeTruthy();
      expect(ask.getByText("Bash")).toBeTruthy();
      expect(ask.getByText("High risk: deletes files recursively")).toBeTruthy();
      expect(ask.getByRole("button", { name: "Yes, approve" })).toBeTruthy();
      expect(document.activeElement).toBe(ask.getByRole("button", { name: "Cancel" }));
    });

    it("approves nothing on Cancel, on Escape, or on Enter pressed twice", async () => {
      const onapprove = vi.fn();
      const { user } = showCard(risky, { onapprove });
      const approve = screen.getByRole("button", { name: "Approve" });

      await user.click(approve);
      await user.click(screen.getByRole("button", { name: "Cancel" }));
      expect(confirmation()).toBeNull();
      expect(document.activeElement).toBe(approve);

      await user.click(approve);
      await user.keyboard("{Escape}");
      expect(confirmation()).toBeNull();

      approve.focus();
      await user.keyboard("{Enter}");
      expect(confirmation()).not.toBeNull();
      await user.keyboard("{Enter}");
      expect(confirmation()).toBeNull();
      expect(onapprove).not.toHaveBeenCalled();
    });

    it("approves on Yes, approve", async () => {
      const onapprove = vi.fn();
      const { user } = showCard(risky, { onapprove });

      await user.click(screen.getByRole("button", { name: "Approve" }));
      await user.click(screen.getByRole("button", { name: "Yes, approve" }));

      expect(onapprove).toHaveBeenCalledOnce();
      expect(confirmation()).toBeNull();
    });

    it("asks again before approving remembering a choice, and names the choice", async () => {
      const choice = "Always allow `Bash(rm:*)` in this project";
      const onapproveremembering = vi.fn();
      const onapprove = vi.fn();
      const { user } = showCard(
        { ...risky, remember_choices: [choice] },
        { onapproveremembering, onapprove, agentKind: "claude-code" },
      );

      await user.click(screen.getByRole("button", { name: choice }));
      expect(onapproveremembering).not.toHaveBeenCalled();
      const ask = screen.getByRole("group", {
        name: "Approve this high-risk request and let Claude Code remember it?",
      });
      expect(within(ask).getByText(`Remembered: ${choice}`)).toBeTruthy();
      await user.keyboard("{Escape}");
      expect(onapproveremembering).not.toHaveBeenCalled();

      await user.click(screen.getByRole("button", { name: choice }));
      await user.click(screen.getByRole("button", { name: "Yes, approve" }));

      expect(onapproveremembering).toHaveBeenCalledExactlyOnceWith(choice);
      expect(onapprove).not.toHaveBeenCalled();
    });

    it("still approves a low- or medium-risk card with one click", async () => {
      const onapprove = vi.fn();
      const { user } = showCard(
        makeRequest({ id: "medium", risk: { level: "medium", rule: "sends data away" } }),
        { onapprove },
      );

      await user.click(screen.getByRole("button", { name: "Approve" }));

      expect(onapprove).toHaveBeenCalledOnce();
      expect(confirmation()).toBeNull();
    });
  });

  describe("details too long for their box", () => {
    const log = makeRequest({
      id: "log",
      action: "upload",
      details: longDetails(),
      remember_choices: ["Always allow uploads"],
    });

    function approveButton() {
      return screen.getByRole("button", { name: "Approve" }) as HTMLButtonElement;
    }

    it("says their size and line count, and approves nothing until opened", async () => {
      const onapprove = vi.fn();
      const onapproveremembering = vi.fn();
      const { container, user } = showCard(log, { onapprove, onapproveremembering });

      expect(screen.getByText("85 KB · 1,500 lines")).toBeTruthy();
      expect(approveButton().disabled).toBe(true);
      expect(screen.getByText("Open the details before approving.")).toBeTruthy();
      expect(approveButton().getAttribute("aria-describedby")).toBe(
        screen.getByText("Open the details before approving.").id,
      );
      const remember = screen.getByRole("button", { name: "Always allow uploads" });
      expect((remember as HTMLButtonElement).disabled).toBe(true);
      expect((screen.getByRole("button", { name: "Allow from now on…" }) as HTMLButtonElement)
        .disabled).toBe(true);
      await user.click(approveButton());
      await user.click(remember);
      expect(onapprove).not.toHaveBeenCalled();
      expect(onapproveremembering).not.toHaveBeenCalled();

      const open = screen.getByRole("button", { name: "Open all" });
      expect(open.getAttribute("aria-expanded")).toBe("false");
      await user.click(open);

      const box = container.querySelector("pre.details")!;
      expect(open.getAttribute("aria-controls")).toBe(box.id);
      expect(box.classList).toContain("opened");
      expect(box.textContent).toBe(log.details);
      expect(screen.queryByText("Open the details before approving.")).toBeNull();
      expect(approveButton().disabled).toBe(false);
      await user.click(approveButton());
      expect(onapprove).toHaveBeenCalledOnce();
    });

    it("stays read when the whole text is closed again", async () => {
      const { user } = showCard(log);

      await user.click(screen.getByRole("button", { name: "Open all" }));
      await user.click(screen.getByRole("button", { name: "Show less" }));

      expect(screen.getByRole("button", { name: "Open all" })).toBeTruthy();
      expect(approveButton().disabled).toBe(false);
    });

    it("counts the box scrolled through to its end as read", async () => {
      const { container } = showCard(log);
      const box = container.querySelector<HTMLElement>("pre.details")!;
      Object.defineProperties(box, {
        scrollHeight: { configurable: true, value: 25_200 },
        clientHeight: { configurable: true, value: 140 },
        scrollTop: { configurable: true, writable: true, value: 0 },
      });

      box.scrollTop = 12_000;
      await fireEvent.scroll(box);
      expect(approveButton().disabled).toBe(true);

      box.scrollTop = 25_060;
      await fireEvent.scroll(box);
      expect(approveButton().disabled).toBe(false);
    });

    it("lets Deny work without reading", async () => {
      const onstartdeny = vi.fn();
      const ondeny = vi.fn();
      const { user, rerender } = showCard(log, { onstartdeny, ondeny });

      await user.click(screen.getByRole("button", { name: "Deny" }));
      expect(onstartdeny).toHaveBeenCalledOnce();
      await rerender({ denying: true });
      await user.click(screen.getByRole("button", { name: "Confirm deny" }));

      expect(ondeny).toHaveBeenCalledExactlyOnceWith(null);
    });

    it("opens a written file in full where the box showed only its head", async () => {
      const content = Array.from({ length: 12 }, (_, i) => `row ${i + 1}`).join("\n") + "\n";
      const { container, user } = showCard(
        makeRequest({
          id: "write",
          action: "Write",
          details: hookDetails({ file_path: "/tmp/n.txt", content }),
        }),
      );
      const box = container.querySelector<HTMLElement>("pre.head")!;
      expect(box.textContent).not.toContain("row 12");
      expect(screen.getByText("… 2 more lines")).toBeTruthy();
      expect(screen.getByText("75 B · 12 lines")).toBeTruthy();
      expect(approveButton().disabled).toBe(true);

      // The head scrolled to its end is not the file: still not read.
      Object.defineProperties(box, {
        scrollHeight: { configurable: true, value: 180 },
        clientHeight: { configurable: true, value: 140 },
        scrollTop: { configurable: true, writable: true, value: 40 },
      });
      await fireEvent.scroll(box);
      expect(approveButton().disabled).toBe(true);

      await user.click(screen.getByRole("button", { name: "Open all" }));

      expect(box.textContent).toBe(content);
      expect(screen.queryByText("… 2 more lines")).toBeNull();
      expect(approveButton().disabled).toBe(false);
    });

    it("shows neither size nor Open all for details that fit", () => {
      showCard(makeRequest({ id: "short", details: "kubectl apply -f prod.yaml" }));

      expect(screen.queryByRole("button", { name: "Open all" })).toBeNull();
      expect(screen.queryByText(/ B · /)).toBeNull();
      expect(approveButton().disabled).toBe(false);
    });

    it("also needs opening when the page measures its box scrolling", async () => {
      const scrollHeight = vi.spyOn(Element.prototype, "scrollHeight", "get").mockReturnValue(300);
      const clientHeight = vi.spyOn(Element.prototype, "clientHeight", "get").mockReturnValue(140);
      const clientWidth = vi.spyOn(Element.prototype, "clientWidth", "get").mockReturnValue(300);
      try {
        const { user } = showCard(makeRequest({ id: "short", details: "kubectl apply -f x" }));

        expect(await screen.findByText("18 B · 1 line")).toBeTruthy();
        expect(approveButton().disabled).toBe(true);
        await user.click(screen.getByRole("button", { name: "Open all" }));
        expect(approveButton().disabled).toBe(false);
      } finally {
        scrollHeight.mockRestore();
        clientHeight.mockRestore();
        clientWidth.mockRestore();
      }
    });

    it("takes no measure of a box that is not laid out (a popover prepared hidden)", () => {
      // Hidden, a box has no size while its text has height: that is not scrolling.
      const scrollHeight = vi.spyOn(Element.prototype, "scrollHeight", "get").mockReturnValue(40);
      const clientHeight = vi.spyOn(Element.prototype, "clientHeight", "get").mockReturnValue(0);
      try {
        showCard(makeRequest({ id: "short", details: "kubectl apply -f x" }));

        expect(screen.queryByRole("button", { name: "Open all" })).toBeNull();
        expect(approveButton().disabled).toBe(false);
      } finally {
        scrollHeight.mockRestore();
        clientHeight.mockRestore();
      }
    });

    it("asks a long high-risk card to be opened first, then confirmed", async () => {
      const onapprove = vi.fn();
      const { user } = showCard(
        { ...log, risk: { level: "high", rule: "uploads files" } },
        { onapprove },
      );

      expect(approveButton().disabled).toBe(true);
      await user.click(screen.getByRole("button", { name: "Open all" }));
      await user.click(approveButton());
      expect(onapprove).not.toHaveBeenCalled();
      await user.click(screen.getByRole("button", { name: "Yes, approve" }));

      expect(onapprove).toHaveBeenCalledOnce();
    });
  });
});

describe("ApprovalCard of the app's own agents", () => {
  const gate = makeRequest({
    id: "gate",
    agent_id: "converge:run-7",
    action: "converge.promote:Proposals",
    title: "Reimburse 1840.00 EUR to Dana Okafor",
    details: "reimbursement-planner proposes Proposals reimburse (confidence 0.92)",
  });

  function showGate(props: Partial<ComponentProps<typeof ApprovalCard>> = {}) {
    return showCard(gate, { agentName: "Expense review · conference travel", agentKind: "converge", ...props });
  }

  it("shows a Converge job's action in words, its id on hover", () => {
    const { container } = showGate();

    const action = container.querySelector<HTMLElement>(".request-action")!;
    expect(action.textContent).toBe("Promote the proposals");
    expect(action.title).toBe("converge.promote:Proposals");
    expect(screen.queryByText("converge.promote:Proposals")).toBeNull();
  });

  it("restates a high-risk Converge action in words when asking again", async () => {
    const { user } = showGate({ request: { ...gate, risk: { level: "high", rule: null } } });

    await user.click(screen.getByRole("button", { name: "Approve" }));

    const ask = within(screen.getByRole("group", { name: "Approve this high-risk request?" }));
    expect(ask.getByText("Promote the proposals").title).toBe("converge.promote:Proposals");
  });

  it("keeps every other agent's action verbatim", () => {
    const { container } = showCard(
      makeRequest({ id: "bash", action: "Bash", details: "ls" }),
      { agentKind: "claude-code" },
    );
    const action = container.querySelector<HTMLElement>(".request-action")!;
    expect(action.textContent).toBe("Bash");
    expect(action.title).toBe("");

    // Shaped like a gate's, from an agent that is not a Converge job: shown as it came.
    const lookalike = showCard(makeRequest({ id: "lookalike", action: "converge.promote:Proposals" }), {
      agentKind: "script",
    });
    expect(lookalike.container.querySelector(".request-action")?.textContent).toBe(
      "converge.promote:Proposals",
    );
  });

  it("offers no standing grant on a Converge job's card, even when asked to open", () => {
    const { container } = showGate({ granting: true });

    expect(screen.queryByRole("button", { name: "Allow from now on…" })).toBeNull();
    expect(container.querySelector("form.grant-form")).toBeNull();
    expect(grantOffers).not.toHaveBeenCalled();
    expect(screen.getByRole("button", { name: "Approve" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Deny" })).toBeTruthy();
  });

  it("says a Converge job in the app asked", () => {
    const { container } = showGate();

    expect(container.querySelector("p.requester")?.textContent).toBe(
      "Requested by a Converge job in the app",
    );
    expect(screen.queryByText("Requester not identified")).toBeNull();
  });

  it("says a --demo agent's request is an example", () => {
    const { container } = showCard(makeRequest({ id: "demo", agent_id: "demo-claude" }), {
      agentName: "Demo · Claude Code (api)",
      agentKind: "claude-code",
    });

    expect(container.querySelector("p.requester")?.textContent).toBe("Example request (--demo)");
  });

  it("still warns when an outside program's request names no process", () => {
    const { container } = showCard(makeRequest({ id: "unknown", agent_id: "ci-bot" }), {
      agentName: "ci bot",
      agentKind: "script",
    });

    expect(container.querySelector("p.requester")?.textContent).toBe("Requester not identified");
  });

  it("shows the whole agent name on hover, the countdown beside it", () => {
    const name = "Expense review · conference travel for the whole platform team, Berlin 2025";
    const { container } = showGate({ agentName: name });

    const agent = container.querySelector<HTMLElement>(".meta .agent")!;
    expect(agent.textContent).toBe(name);
    expect(agent.title).toBe(name);
    expect(agent.nextElementSibling?.querySelector(".countdown")?.textContent).toBe("05:00");
  });
});

describe("ApprovalCard's way to the agent's terminal", () => {
  const local = makeRequest({
    id: "local",
    provenance: { pid: 4242, uid: 1000, exe: "/usr/bin/claude", remote: null },
  });
  const notShown: TerminalVisit = {
    arrived: false,
    done: ["Switched to tmux session “work”, window 1, pane 0"],
    problem: "No terminal shows tmux session “work”: open one with `tmux attach -t work`.",
  };

  /** Answers each terminal_go with `answer`, and records what it was asked. */
  function answerTerminalGo(answer: () => Promise<TerminalVisit>) {
    const calls: { command: string; args: unknown }[] = [];
    mockIPC((command, args) => {
      calls.push({ command, args });
      return answer();
    });
    return calls;
  }

  function goButton() {
    return screen.getByRole("button", { name: "Go to terminal" }) as HTMLButtonElement;
  }

  it("goes to where a local process asked, and says what it did and why it stopped", async () => {
    const calls = answerTerminalGo(async () => notShown);
    const { container, user } = showCard(local);

    await user.click(goButton());

    expect(calls).toEqual([
      { command: "terminal_go", args: { requestId: "local", agentId: null } },
    ]);
    const status = await screen.findByRole("status");
    expect(status.classList).toContain("terminal-problem");
    expect(status.textContent).toBe(
      "Switched to tmux session “work”, window 1, pane 0 — No terminal shows tmux session “work”: open one with `tmux attach -t work`.",
    );
    // It decides nothing: not among the decision buttons, and never a decision.
    expect(container.querySelector(".buttons .go-terminal")).toBeNull();
    expect(container.querySelector(".go-terminal")).toBe(goButton());
  });

  it("is disabled while the app goes there, and says nothing once there", async () => {
    let arrive: (visit: TerminalVisit) => void = () => {};
    answerTerminalGo(() => new Promise((resolve) => (arrive = resolve)));
    const { user } = showCard(local);

    await user.click(goButton());

    expect(goButton().disabled).toBe(true);
    arrive({ arrived: true, done: ["Brought the window “work” forward"], problem: null });
    await waitFor(() => expect(goButton().disabled).toBe(false));
    expect(screen.queryByRole("status")).toBeNull();
  });

  it("says why the app could not be asked", async () => {
    answerTerminalGo(() => Promise.reject("terminal_go not allowed"));
    const { user } = showCard(local);

    await user.click(goButton());

    expect((await screen.findByRole("status")).textContent).toBe("terminal_go not allowed");
    expect(goButton().disabled).toBe(false);
  });

  it("is offered only where a local process asked: not a Converge job, nor a requester not read", () => {
    const calls = answerTerminalGo(async () => notShown);
    const asked = showCard(local, { agentKind: "claude-code" });
    expect(asked.container.querySelector(".go-terminal")?.textContent?.trim()).toBe(
      "Go to terminal",
    );
    asked.unmount();

    const { container } = showCard(makeRequest({ id: "gate", agent_id: "converge:run-7" }), {
      agentKind: "converge",
    });

    expect(container.querySelector(".go-terminal")).toBeNull();
    const unread = showCard(makeRequest({ id: "unknown", agent_id: "ci-bot" }), {
      agentName: "ci bot",
      agentKind: "script",
    });
    expect(unread.container.querySelector("p.requester")?.textContent).toBe(
      "Requester not identified",
    );
    expect(unread.container.querySelector(".go-terminal")).toBeNull();
    expect(screen.queryByRole("button", { name: "Go to terminal" })).toBeNull();
    expect(calls).toEqual([]);
  });

  it("is offered on a question's card and on a plan's, where answering there is the point", async () => {
    const calls = answerTerminalGo(async () => notShown);
    const question = makeRequest({
      id: "question",
      action: "AskUserQuestion",
      details: hookDetails({
        questions: [
          {
            question: "Which database?",
            header: "Database",
            multiSelect: false,
            options: [{ label: "SQLite", description: "" }],
          },
        ],
      }),
      provenance: local.provenance,
    });
    const { user, unmount } = showCard(question);

    expect(screen.getByRole("button", { name: "Answer in the terminal instead" })).toBeTruthy();
    await user.click(goButton());
    unmount();

    const plan = makeRequest({
      id: "plan",
      action: "ExitPlanMode",
      details: hookDetails({ plan: "# Cache\n\n1. Read the config\n" }),
      provenance: local.provenance,
    });
    const planCard = showCard(plan);
    expect(screen.getByRole("button", { name: "Approve plan" })).toBeTruthy();
    await planCard.user.click(goButton());

    expect(calls.map((call) => call.args)).toEqual([
      { requestId: "question", agentId: null },
      { requestId: "plan", agentId: null },
    ]);
  });
});
