// Converge Tray's Pi extension, written by `ctray install pi`; `ctray uninstall pi` removes it.
// Pi never asks before a tool call by itself; this extension asks before each call that can
// change something (every tool but the read-only read, grep, find and ls): it hands the call
// to `ctray hook pi` (which asks the person in Converge Tray and prints the answer) and, where
// Pi has a screen, shows Pi's own Yes/No dialog at the same time: the first answer counts, and
// an answer given in Pi closes the tray's card. Without an answer from the tray (the app is not
// running, nobody decided in time) Pi's dialog decides; in print mode, which has no dialog,
// the call is not run and the model is told why. Never a silent allow. Session status goes to
// the tray in the hooks' shared event names.
import { spawn } from "node:child_process"

const CTRAY = __CTRAY__
const ASK_TIMEOUT = __ASK_TIMEOUT__
const READ_ONLY = new Set(["read", "grep", "find", "ls"])

export default function (pi) {
  // Status reports go one after another, and Pi never waits for them: its tool calls wait
  // behind the handlers it awaits.
  let reported = Promise.resolve()
  const inputs = new Map() // tool call id -> its input, for the report of its end

  const session = (ctx) => ({
    session_id: ctx.sessionManager.getSessionId(),
    cwd: ctx.cwd,
  })

  const run = (input, args) => {
    const child = spawn(CTRAY, ["hook", "pi", ...args], { stdio: ["pipe", "pipe", "ignore"] })
    let out = ""
    child.stdout.on("data", (chunk) => (out += chunk))
    const answer = new Promise((done) => {
      child.on("error", () => done(""))
      child.on("close", () => done(out))
    })
    child.stdin.on("error", () => {})
    child.stdin.end(JSON.stringify(input))
    return { child, answer }
  }

  const report = (input) => {
    reported = reported.then(() => run(input, []).answer)
  }

  const decision = (text) => {
    try {
      const d = JSON.parse(text)
      if (d && (d.behavior === "allow" || d.behavior === "deny")) return d
    } catch {}
    return undefined
  }

  pi.on("session_start", (e, ctx) =>
    report({ hook_event_name: "SessionStart", source: e.reason, ...session(ctx) }))
  pi.on("session_shutdown", (e, ctx) =>
    report({ hook_event_name: "SessionEnd", reason: e.reason, ...session(ctx) }))
  pi.on("before_agent_start", (e, ctx) =>
    report({ hook_event_name: "UserPromptSubmit", ...session(ctx) }))
  pi.on("tool_execution_end", (e, ctx) => {
    const input = inputs.get(e.toolCallId)
    inputs.delete(e.toolCallId)
    report({
      hook_event_name: e.isError ? "PostToolUseFailure" : "PostToolUse",
      tool_name: e.toolName,
      tool_input: input,
      ...session(ctx),
    })
  })
  pi.on("agent_end", (e, ctx) => {
    const last = [...(e.messages || [])].reverse().find((m) => m.role === "assistant")
    const text = (last?.content || []).find?.((c) => c.type === "text")?.text
    report({ hook_event_name: "Stop", last_assistant_message: text || "", ...session(ctx) })
  })

  pi.on("tool_call", async (event, ctx) => {
    inputs.set(event.toolCallId, event.input)
    const call = { tool_name: event.toolName, tool_input: event.input, ...session(ctx) }
    if (READ_ONLY.has(event.toolName)) {
      report({ hook_event_name: "PreToolUse", ...call })
      return undefined
    }
    const { child, answer } = run({ hook_event_name: "PermissionRequest", ...call },
      ["--timeout", ASK_TIMEOUT])
    // ctray ends, its request goes: the tray's card closes.
    const withdraw = () => child.kill("SIGTERM")
    ctx.signal?.addEventListener("abort", withdraw, { once: true })
    const fromTray = answer.then((text) => ({ from: "tray", decision: decision(text) }))
    const dialog = new AbortController()
    let fromPi
    if (ctx.hasUI) {
      const what = typeof event.input?.command === "string"
        ? event.input.command
        : JSON.stringify(event.input, null, 2)
      fromPi = ctx.ui
        .confirm(`Allow ${event.toolName}? (also asked in Converge Tray)`, what,
          { signal: dialog.signal })
        .then((ok) => ({ from: "pi", ok }))
    }
    try {
      let first = await Promise.race(fromPi ? [fromTray, fromPi] : [fromTray])
      if (ctx.signal?.aborted) return { block: true, reason: "Stopped by the user." }
      if (first.from === "tray" && first.decision) {
        dialog.abort()
        if (first.decision.behavior === "allow") return undefined
        return { block: true, reason: first.decision.message || "Denied in Converge Tray." }
      }
      if (first.from === "tray") {
        if (!fromPi) {
          return {
            block: true,
            reason: "Not run: Converge Tray gave no decision (it is not running, or nobody " +
              "decided in time), and Pi has no dialog in this mode to ask the user.",
          }
        }
        first = await fromPi
      } else {
        withdraw()
      }
      return first.ok ? undefined : { block: true, reason: "The user denied this in Pi." }
    } finally {
      ctx.signal?.removeEventListener("abort", withdraw)
    }
  })
}
