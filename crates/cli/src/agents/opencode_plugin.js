// Converge Tray's OpenCode plugin, written by `ctray install opencode` (or `kilo`, for
// OpenCode's fork Kilo Code); `ctray uninstall` removes it. OpenCode's own `permission.ask`
// hook is never called (1.18), so this plugin listens for the `permission.asked` event, hands
// the request to `ctray hook opencode` (which asks the person in Converge Tray and prints the
// answer), and replies
// through OpenCode's own server. Its `question` tool's questions (`question.asked`) go the
// same way and are answered with the person's choices. OpenCode's card stays on screen
// meanwhile: whichever answer comes first counts, and an answer given there closes the
// tray's card. Session status goes to the tray the same way. If ctray prints nothing (the app is not running,
// nobody decided in time), OpenCode's own card is the answer.
import { spawn } from "node:child_process"

const CTRAY = __CTRAY__
const AGENT = __AGENT__
const ASK_TIMEOUT = __ASK_TIMEOUT__

export const ConvergeTray = async ({ client, directory }) => {
  const waiting = new Map() // permission request id -> the ctray process asking for it
  // Status reports go one after another: two ctray processes started together could reach
  // the tray in either order, and "busy" must never land after the "idle" that followed it.
  let reported = Promise.resolve()

  const run = (input, args) => {
    const child = spawn(CTRAY, ["hook", AGENT, ...args], {
      stdio: ["pipe", "pipe", "ignore"],
    })
    let out = ""
    child.stdout.on("data", (chunk) => (out += chunk))
    child.on("error", () => {})
    child.stdin.on("error", () => {})
    child.stdin.end(JSON.stringify({ ...input, directory }))
    return { child, answer: new Promise((done) => child.on("close", () => done(out))) }
  }

  // `event` is `permission.asked` or `question.asked`; `route` where OpenCode takes the reply.
  const ask = async (event, request, route) => {
    const { child, answer } = run(
      { hook_event_name: event, ...request },
      ["--timeout", ASK_TIMEOUT],
    )
    waiting.set(request.id, child)
    const printed = await answer
    if (waiting.get(request.id) !== child) return // answered in OpenCode meanwhile
    waiting.delete(request.id)
    let decision
    try {
      decision = JSON.parse(printed)
    } catch {
      return // nothing decided in the tray: OpenCode's own card stays the question
    }
    let body
    if (Array.isArray(decision.answers)) {
      body = { answers: decision.answers }
    } else if (decision.reply === "once" || decision.reply === "reject") {
      body = decision.message
        ? { reply: decision.reply, message: decision.message }
        : { reply: decision.reply }
    } else {
      return
    }
    await client._client
      .post({
        url: route,
        path: { requestID: request.id },
        body,
        headers: { "Content-Type": "application/json" },
      })
      .catch(() => {})
  }

  // The tray's card closes once OpenCode has its answer from elsewhere.
  const answeredElsewhere = (id) => {
    const child = waiting.get(id)
    if (child) {
      waiting.delete(id)
      child.kill("SIGTERM")
    }
  }

  return {
    event: async ({ event }) => {
      const properties = event.properties || {}
      switch (event.type) {
        // Not awaited: the event bus must not wait for a person.
        case "permission.asked":
          ask(event.type, properties, "/permission/{requestID}/reply")
          break
        case "question.asked":
          ask(event.type, properties, "/question/{requestID}/reply")
          break
        case "permission.replied":
        case "question.replied":
        case "question.rejected":
          answeredElsewhere(properties.requestID)
          break
        case "session.status":
        case "session.idle":
        case "session.error": {
          const input = { hook_event_name: event.type, ...properties }
          reported = reported.then(() => run(input, []).answer)
          break
        }
      }
    },
  }
}
