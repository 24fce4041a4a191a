// Converge Tray's Cline plugin, written by `ctray install cline`; `ctray uninstall cline`
// removes it. Cline's hooks may wait (up to 120 s) but cannot allow past its prompt, nor deny
// one call with a reason; its plugins can, but get 3 s a call. So ctray's PreToolUse hook asks
// the person in Converge Tray and hands the decision over in the tool's input (`__ctray`), and
// this plugin turns it into Cline's own answer: allow (no prompt), or skip with the person's
// reason, which the model reads. No decision (the app is not running, nobody decided in time)
// means Cline's own prompt: never a silent allow.
//
// The input comes from the model, which could write an allow itself. So an allow counts only
// with a one-time token the hook left as a file in Cline's folder a moment ago: the plugin
// consumes it, and anything else (no token, an unknown or old one, a token used before) is
// Cline's own prompt.
import { statSync, unlinkSync } from "node:fs"
import { homedir } from "node:os"
import { join } from "node:path"

/** How long after the hook's decision its token is good: the plugin runs right after it. */
const TOKEN_GOOD_MS = 60_000

function approvedOnce(token) {
  if (typeof token !== "string" || !/^[0-9a-f]{32}$/.test(token)) return false
  const file = join(process.env.CLINE_DIR || join(homedir(), ".cline"), "ctray-approvals", token)
  try {
    const fresh = Date.now() - statSync(file).mtimeMs < TOKEN_GOOD_MS
    unlinkSync(file)
    return fresh
  } catch {
    return false
  }
}

const plugin = {
  name: "converge-tray",
  manifest: { capabilities: ["hooks"] },
  hooks: {
    beforeTool({ input }) {
      const fromTray =
        input && typeof input === "object" && !Array.isArray(input) ? input.__ctray : undefined
      if (!fromTray) return { policy: { autoApprove: false } }
      const { __ctray, ...asked } = input
      if (fromTray.decision === "allow" && approvedOnce(fromTray.token)) {
        return { input: asked, policy: { autoApprove: true } }
      }
      if (fromTray.decision === "deny") {
        return { skip: true, reason: String(fromTray.reason || "Denied in Converge Tray.") }
      }
      return { input: asked, policy: { autoApprove: false } }
    },
  },
}
export default plugin
