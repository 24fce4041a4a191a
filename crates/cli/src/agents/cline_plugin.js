// Converge Tray's Cline plugin, written by `ctray install cline`; `ctray uninstall cline`
// removes it. Cline's hooks may wait (up to 120 s) but cannot allow past its prompt, nor deny
// one call with a reason; its plugins can, but get 3 s a call. So ctray's PreToolUse hook asks
// the person in Converge Tray and hands the decision over in the tool's input (`__ctray`), and
// this plugin turns it into Cline's own answer: allow (no prompt), or skip with the person's
// reason, which the model reads. No decision (the app is not running, nobody decided in time)
// means Cline's own prompt: never a silent allow.
const plugin = {
  name: "converge-tray",
  manifest: { capabilities: ["hooks"] },
  hooks: {
    beforeTool({ input }) {
      const fromTray =
        input && typeof input === "object" && !Array.isArray(input) ? input.__ctray : undefined
      if (!fromTray) return { policy: { autoApprove: false } }
      const { __ctray, ...asked } = input
      if (fromTray.decision === "allow") return { input: asked, policy: { autoApprove: true } }
      if (fromTray.decision === "deny") {
        return { skip: true, reason: String(fromTray.reason || "Denied in Converge Tray.") }
      }
      return { input: asked, policy: { autoApprove: false } }
    },
  },
}
export default plugin
