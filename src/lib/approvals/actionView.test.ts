import { describe, expect, it } from "vitest";
import { actionView, lineDiff, type ActionView } from "./actionView";

/** Details exactly as the hook builds them: pretty JSON, a blank line, then context lines. */
function hookDetails(input: unknown, mode: string | null = "default"): string {
  const modeLine = mode === null ? "" : `permission mode: ${mode}\n`;
  return `${JSON.stringify(input, null, 2)}\n\ncwd: /home/me/shop\nsession: abc123\n${modeLine}`;
}

const CONTEXT: [string, string][] = [
  ["cwd", "/home/me/shop"],
  ["session", "abc123"],
  ["permission mode", "default"],
];

const RAW: ActionView = { kind: "raw", context: [], extras: [] };

const GATE_DETAILS =
  'pricing proposes "Price" p-1 (confidence 0.90):\nRaise the price to 12 EUR\n\n' +
  "provenance: pricing\ngate: approve-price · cycle 2\njob: expense (pack expense, run r-1)\n";

describe("actionView", () => {
  const cases: [string, string, string, ActionView][] = [
    [
      "Claude Bash with a description",
      "Bash",
      hookDetails({ command: "rm -rf node_modules", description: "Remove node_modules directory" }),
      {
        kind: "shell",
        command: "rm -rf node_modules",
        description: "Remove node_modules directory",
        context: CONTEXT,
        extras: [],
      },
    ],
    [
      "Codex Bash without a description or permission mode",
      "Bash",
      hookDetails({ command: "rm -f /tmp/example" }, null),
      { kind: "shell", command: "rm -f /tmp/example", context: CONTEXT.slice(0, 2), extras: [] },
    ],
    [
      "a shell argv, joined and quoted",
      "shell",
      hookDetails({ command: ["bash", "-lc", "echo 'hi there'"] }),
      {
        kind: "shell",
        command: `bash -lc 'echo '\\''hi there'\\'''`,
        context: CONTEXT,
        extras: [],
      },
    ],
    [
      "Bash with fields the view has no place for",
      "Bash",
      hookDetails({ command: "npm test", timeout: 60000, run_in_background: true }),
      {
        kind: "shell",
        command: "npm test",
        context: CONTEXT,
        extras: [
          { key: "timeout", value: "60000" },
          { key: "run_in_background", value: "true" },
        ],
      },
    ],
    [
      "Edit",
      "Edit",
      hookDetails({
        file_path: "/src/main.rs",
        old_string: "fn main() {\n    old();\n}",
        new_string: "fn main() {\n    new();\n    more();\n}",
      }),
      {
        kind: "edit",
        path: "/src/main.rs",
        diff: [
          { sign: " ", text: "fn main() {" },
          { sign: "-", text: "    old();" },
          { sign: "+", text: "    new();" },
          { sign: "+", text: "    more();" },
          { sign: " ", text: "}" },
        ],
        context: CONTEXT,
        extras: [],
      },
    ],
    [
      "MultiEdit, edits one after the other",
      "MultiEdit",
      hookDetails({
        file_path: "a.txt",
        edits: [
          { old_string: "a", new_string: "b" },
          { old_string: "c", new_string: "d", replace_all: true },
        ],
      }),
      {
        kind: "edit",
        path: "a.txt",
        diff: [
          { sign: "@", text: "edit 1 of 2" },
          { sign: "-", text: "a" },
          { sign: "+", text: "b" },
          { sign: "@", text: "edit 2 of 2 · every occurrence" },
          { sign: "-", text: "c" },
          { sign: "+", text: "d" },
        ],
        context: CONTEXT,
        extras: [],
      },
    ],
    [
      "Write",
      "Write",
      hookDetails({
        file_path: "/tmp/notes.md",
        content: Array.from({ length: 12 }, (_, i) => `line ${i + 1} é`).join("\n") + "\n",
      }),
      {
        kind: "write",
        path: "/tmp/notes.md",
        // 12 lines of "line N é" (é is two bytes) plus their newlines.
        bytes: 9 * 9 + 3 * 10 + 12,
        head: Array.from({ length: 10 }, (_, i) => `line ${i + 1} é`).join("\n"),
        moreLines: 2,
        content: Array.from({ length: 12 }, (_, i) => `line ${i + 1} é`).join("\n") + "\n",
        context: CONTEXT,
        extras: [],
      },
    ],
    [
      "an MCP call",
      "mcp__github__create_issue",
      hookDetails({ repo: "o/r", title: "Bug" }),
      {
        kind: "mcp",
        server: "github",
        tool: "create_issue",
        args: '{\n  "repo": "o/r",\n  "title": "Bug"\n}',
        context: CONTEXT,
        extras: [],
      },
    ],
    [
      "WebFetch over https",
      "WebFetch",
      hookDetails({ url: "https://example.com/docs?q=1", prompt: "Summarise" }),
      {
        kind: "fetch",
        host: "example.com",
        port: 443,
        url: "https://example.com/docs?q=1",
        context: CONTEXT,
        extras: [{ key: "prompt", value: '"Summarise"' }],
      },
    ],
    [
      "WebFetch with an explicit port",
      "WebFetch",
      hookDetails({ url: "http://10.0.0.5:8080/x" }),
      {
        kind: "fetch",
        host: "10.0.0.5",
        port: 8080,
        url: "http://10.0.0.5:8080/x",
        context: CONTEXT,
        extras: [],
      },
    ],
    ["WebFetch http default port", "WebFetch", hookDetails({ url: "http://a.test/" }), {
      kind: "fetch",
      host: "a.test",
      port: 80,
      url: "http://a.test/",
      context: CONTEXT,
      extras: [],
    }],
    ["WebFetch with an invalid URL", "WebFetch", hookDetails({ url: "not a url" }), RAW],
    ["WebFetch to a file URL", "WebFetch", hookDetails({ url: "file:///etc/passwd" }), RAW],
    ["malformed JSON", "Bash", '{\n  "command": "ls"\n\ncwd: /x\n', RAW],
    ["a missing field", "Edit", hookDetails({ file_path: "a", old_string: "x" }), RAW],
    ["a non-string command", "Bash", hookDetails({ command: 42 }), RAW],
    ["a non-string description", "Bash", hookDetails({ command: "ls", description: 1 }), RAW],
    ["a non-string argv element", "shell", hookDetails({ command: ["ls", 1] }), RAW],
    ["a non-string path", "Write", hookDetails({ file_path: ["a"], content: "x" }), RAW],
    [
      "a MultiEdit entry with an unknown field",
      "MultiEdit",
      hookDetails({ file_path: "a", edits: [{ old_string: "a", new_string: "b", x: 1 }] }),
      RAW,
    ],
    ["a MultiEdit without edits", "MultiEdit", hookDetails({ file_path: "a", edits: [] }), RAW],
    ["a JSON array", "Bash", hookDetails(["ls"]), RAW],
    ["a null tool input", "Bash", hookDetails(null), RAW],
    ["a tool with no structured view", "Read", hookDetails({ file_path: "/etc/hosts" }), RAW],
    ["a script's free-form details", "deploy", "kubectl apply -f prod.yaml", RAW],
    ["a script's details under a tool name", "Bash", "ls -la", RAW],
    ["a Converge gate", "converge.promote:Price", GATE_DETAILS, RAW],
    [
      "JSON followed by something other than context lines",
      "Bash",
      '{\n  "command": "ls"\n}\n\nand then a paragraph that would be hidden\n',
      RAW,
    ],
  ];

  it.each(cases)("%s", (_name, action, details, expected) => {
    expect(actionView(action, details)).toEqual(expected);
  });

  it("reads Qwen Code's shell tool like Claude Code's", () => {
    expect(actionView("run_shell_command", '{"command":"rm -rf dist"}')).toEqual({
      kind: "shell",
      command: "rm -rf dist",
      context: [],
      extras: [],
    });
  });

  it.each(["bash", "Shell"])("reads Copilot CLI's and Cursor's shell tool (%s)", (tool) => {
    const details = '{\n  "command": "touch marker"\n}\n\ncwd: /p\nsession: s\n';
    expect(actionView(tool, details)).toEqual({
      kind: "shell",
      command: "touch marker",
      context: [
        ["cwd", "/p"],
        ["session", "s"],
      ],
      extras: [],
    });
  });

  it("reads Droid's Execute as a command, its risk fields shown beside it", () => {
    const details =
      '{\n  "summary": "Create the marker file",\n  "command": "touch marker",\n' +
      '  "riskLevelReason": "Creates one file.",\n  "riskLevel": "medium"\n}\n\ncwd: /p\n';
    expect(actionView("Execute", details)).toEqual({
      kind: "shell",
      command: "touch marker",
      context: [["cwd", "/p"]],
      extras: [
        { key: "summary", value: '"Create the marker file"' },
        { key: "riskLevelReason", value: '"Creates one file."' },
        { key: "riskLevel", value: '"medium"' },
      ],
    });
  });

  it("reads Cline's list of commands, one a line", () => {
    const details = '{\n  "commands": [\n    "npm ci",\n    "npm test"\n  ]\n}\n\ncwd: /p\n';
    expect(actionView("run_commands", details)).toEqual({
      kind: "shell",
      command: "npm ci\nnpm test",
      context: [["cwd", "/p"]],
      extras: [],
    });
    expect(actionView("run_commands", '{"commands": [1]}')).toEqual(RAW);
  });

  it("accepts a tool input with no context lines", () => {
    expect(actionView("Bash", '{"command":"ls"}')).toEqual({
      kind: "shell",
      command: "ls",
      context: [],
      extras: [],
    });
  });
});

describe("lineDiff", () => {
  it("keeps common leading and trailing lines as context", () => {
    expect(lineDiff("a\nb\nc\n", "a\nx\nc\n")).toEqual([
      { sign: " ", text: "a" },
      { sign: "-", text: "b" },
      { sign: "+", text: "x" },
      { sign: " ", text: "c" },
    ]);
  });

  it("shows an insertion into empty text as added lines only", () => {
    expect(lineDiff("", "new")).toEqual([{ sign: "+", text: "new" }]);
  });

  it("does not count a line twice when old and new overlap", () => {
    expect(lineDiff("a\na", "a")).toEqual([
      { sign: " ", text: "a" },
      { sign: "-", text: "a" },
    ]);
  });
});
