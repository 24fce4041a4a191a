// Turns a coding agent's tool request into what the action really does: the command line,
// the diff, the file written, the MCP call, the host reached. The hook sends `action` as the
// tool name and `details` as the tool input in pretty JSON, a blank line, then `key: value`
// context lines (cwd, session, permission mode). Anything else, or anything that does not
// have exactly the expected shape, is `raw` and shown verbatim as before.
//
// Everything here is untrusted agent text: the view model holds plain strings that the card
// renders as text only.

import { revealHidden } from "../untrustedText";

/** One line of a diff: removed, added, unchanged context, or a header between edits. */
export interface DiffLine {
  sign: "-" | "+" | " " | "@";
  text: string;
}

/** A tool-input field the structured view has no place for, shown so nothing is hidden. */
export interface ExtraField {
  key: string;
  /** The value as JSON (strings quoted), so its type stays visible. */
  value: string;
}

export type ActionKind =
  | { kind: "shell"; command: string; description?: string }
  | { kind: "edit"; path: string; diff: DiffLine[] }
  | {
      kind: "write";
      path: string;
      bytes: number;
      head: string;
      moreLines: number;
      /** The whole file, for when the person opens it in full. */
      content: string;
    }
  | { kind: "mcp"; server: string; tool: string; args: string }
  | { kind: "fetch"; host: string; port: number; url: string }
  /** A plan handed over for approval (Claude Code's ExitPlanMode): Markdown, and its file. */
  | { kind: "plan"; markdown: string; path: string | null }
  | { kind: "raw" };

export type ActionView = ActionKind & {
  /** Trailing `key: value` lines after the tool input (cwd, session, …). */
  context: [string, string][];
  /** Input fields not shown by the structured view (e.g. Bash's `timeout`). */
  extras: ExtraField[];
};

/** How many lines of a written file the card shows. */
export const WRITE_HEAD_LINES = 10;

const RAW: ActionView = { kind: "raw", context: [], extras: [] };

// Claude Code and Codex call it Bash (Codex also shell, local_shell); Qwen Code
// run_shell_command; Copilot CLI and Pi bash; Droid Execute; ctray names Cursor's shell
// command Shell.
const SHELL_TOOLS = new Set([
  "Bash",
  "shell",
  "local_shell",
  "run_shell_command",
  "bash",
  "Shell",
  "Execute",
]);
const FETCH_TOOLS = new Set(["WebFetch", "fetch"]);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isString(value: Json | undefined): value is string {
  return typeof value === "string";
}

/** The tool input a coding agent's hook put first in `details`, or null if there is none. */
export function toolInput(details: string): JsonObject | null {
  return splitDetails(details)?.input ?? null;
}

/** Splits details into the tool input object and the context lines, or null if they are not. */
function splitDetails(details: string): { input: JsonObject; context: [string, string][] } | null {
  if (!details.startsWith("{")) return null;
  // Pretty JSON never holds a blank line (newlines in strings are escaped), so the first one
  // ends the tool input.
  const blank = details.indexOf("\n\n");
  const head = blank === -1 ? details : details.slice(0, blank);
  const tail = blank === -1 ? "" : details.slice(blank + 2);
  let input: Json;
  try {
    input = JSON.parse(head) as Json;
  } catch {
    return null;
  }
  if (!isObject(input)) return null;
  const context: [string, string][] = [];
  const lines = tail.endsWith("\n") ? tail.slice(0, -1).split("\n") : tail.split("\n");
  for (const line of tail === "" ? [] : lines) {
    // Only the hook's own shape: anything else would be hidden behind the raw toggle.
    const match = /^([a-z][a-z ]*): ?(.*)$/.exec(line);
    if (match === null) return null;
    context.push([match[1]!, match[2]!]);
  }
  return { input, context };
}

function extrasOf(input: JsonObject, known: readonly string[]): ExtraField[] {
  return Object.entries(input)
    .filter(([key]) => !known.includes(key))
    .map(([key, value]) => ({ key, value: JSON.stringify(value) }));
}

/** An argv element as a shell would need it: quoted when it holds spaces or quotes. */
function quoteArg(arg: string): string {
  if (arg !== "" && !/[\s"'\\$`]/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

function shellCommand(command: Json | undefined): string | null {
  if (isString(command)) return command;
  if (Array.isArray(command) && command.length > 0 && command.every(isString)) {
    return command.map(quoteArg).join(" ");
  }
  return null;
}

/** The lines of `text`: a final newline ends the last line, it does not start another. */
export function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/**
 * A diff line as the card shows it, newline included; hidden characters in the agent's text
 * revealed (a header is the app's own words).
 */
export function diffLineText(line: DiffLine): string {
  return line.sign === "@" ? `@@ ${line.text} @@\n` : `${line.sign} ${revealHidden(line.text)}\n`;
}

/** A plain line diff: common leading and trailing lines as context, the rest removed/added. */
export function lineDiff(oldText: string, newText: string): DiffLine[] {
  const before = splitLines(oldText);
  const after = splitLines(newText);
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) {
    start++;
  }
  let end = 0;
  while (
    end < before.length - start &&
    end < after.length - start &&
    before[before.length - 1 - end] === after[after.length - 1 - end]
  ) {
    end++;
  }
  const context = (text: string): DiffLine => ({ sign: " ", text });
  return [
    ...before.slice(0, start).map(context),
    ...before.slice(start, before.length - end).map((text): DiffLine => ({ sign: "-", text })),
    ...after.slice(start, after.length - end).map((text): DiffLine => ({ sign: "+", text })),
    ...before.slice(before.length - end).map(context),
  ];
}

function shellView(input: JsonObject): ActionKind | null {
  const command = shellCommand(input.command);
  if (command === null) return null;
  if (input.description !== undefined && !isString(input.description)) return null;
  return input.description === undefined
    ? { kind: "shell", command }
    : { kind: "shell", command, description: input.description };
}

/** Cline's shell tool: whole command lines, run one after another, one a line. */
function commandListView(input: JsonObject): ActionKind | null {
  const { commands } = input;
  if (!Array.isArray(commands) || commands.length === 0 || !commands.every(isString)) {
    return null;
  }
  return { kind: "shell", command: commands.join("\n") };
}

function editView(input: JsonObject): ActionKind | null {
  const { file_path, old_string, new_string } = input;
  if (!isString(file_path) || !isString(old_string) || !isString(new_string)) return null;
  return { kind: "edit", path: file_path, diff: lineDiff(old_string, new_string) };
}

function multiEditView(input: JsonObject): ActionKind | null {
  const { file_path, edits } = input;
  if (!isString(file_path) || !Array.isArray(edits) || edits.length === 0) return null;
  const diff: DiffLine[] = [];
  for (const [index, edit] of edits.entries()) {
    if (!isObject(edit) || !isString(edit.old_string) || !isString(edit.new_string)) return null;
    const replaceAll = edit.replace_all;
    if (replaceAll !== undefined && typeof replaceAll !== "boolean") return null;
    // Every field of an edit must show: an unknown one would only be seen in the raw input.
    if (Object.keys(edit).some((key) => !["old_string", "new_string", "replace_all"].includes(key))) {
      return null;
    }
    if (edits.length > 1 || replaceAll === true) {
      const every = replaceAll === true ? " · every occurrence" : "";
      diff.push({ sign: "@", text: `edit ${index + 1} of ${edits.length}${every}` });
    }
    diff.push(...lineDiff(edit.old_string, edit.new_string));
  }
  return { kind: "edit", path: file_path, diff };
}

function writeView(input: JsonObject): ActionKind | null {
  const { file_path, content } = input;
  if (!isString(file_path) || !isString(content)) return null;
  const lines = splitLines(content);
  return {
    kind: "write",
    path: file_path,
    bytes: new TextEncoder().encode(content).length,
    head: lines.slice(0, WRITE_HEAD_LINES).join("\n"),
    moreLines: Math.max(0, lines.length - WRITE_HEAD_LINES),
    content,
  };
}

function fetchView(input: JsonObject): ActionKind | null {
  if (!isString(input.url)) return null;
  let url: URL;
  try {
    url = new URL(input.url);
  } catch {
    return null;
  }
  const defaultPort = url.protocol === "https:" ? 443 : url.protocol === "http:" ? 80 : null;
  if (defaultPort === null || url.hostname === "") return null;
  const port = url.port === "" ? defaultPort : Number(url.port);
  return { kind: "fetch", host: url.hostname, port, url: input.url };
}

function mcpView(action: string, input: JsonObject): ActionKind | null {
  const match = /^mcp__(.+?)__(.+)$/.exec(action);
  if (match === null) return null;
  return { kind: "mcp", server: match[1]!, tool: match[2]!, args: JSON.stringify(input, null, 2) };
}

/** The structured view of a request, or `raw` when it is not a recognised tool input. */
export function actionView(action: string, details: string): ActionView {
  const split = splitDetails(details);
  if (split === null) return RAW;
  const { input, context } = split;

  let view: ActionKind | null;
  let known: readonly string[];
  if (SHELL_TOOLS.has(action)) {
    view = shellView(input);
    known = ["command", "description"];
  } else if (action === "run_commands") {
    view = commandListView(input);
    known = ["commands"];
  } else if (action === "Edit") {
    view = editView(input);
    known = ["file_path", "old_string", "new_string"];
  } else if (action === "MultiEdit") {
    view = multiEditView(input);
    known = ["file_path", "edits"];
  } else if (action === "Write") {
    view = writeView(input);
    known = ["file_path", "content"];
  } else if (FETCH_TOOLS.has(action)) {
    view = fetchView(input);
    known = ["url"];
  } else if (action === "ExitPlanMode") {
    const path = isString(input.planFilePath) ? input.planFilePath : null;
    view = isString(input.plan) ? { kind: "plan", markdown: input.plan, path } : null;
    known = ["plan", "planFilePath"];
  } else if (action.startsWith("mcp__")) {
    view = mcpView(action, input);
    known = Object.keys(input); // the arguments are shown whole
  } else {
    view = null;
    known = [];
  }
  if (view === null) return RAW;
  return { ...view, context, extras: extrasOf(input, known) };
}
