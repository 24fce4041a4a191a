import type { ShortcutRefused } from "./bindings/ShortcutRefused";

/**
 * Tauri commands reject with what the Rust side serialized: the app's commands with
 * `{ message, refused_shortcut? }` (src-tauri/src/error.rs), the popover's process and
 * Tauri itself with a string.
 */
export function errorMessage(error: unknown): string {
  if (typeof error === "string") return error;
  if (error instanceof Error) return error.message;
  if (typeof error === "object" && error !== null && "message" in error) {
    return String(error.message);
  }
  return String(error);
}

/** Settings → Save: the global shortcut the system would not take, if that is why it failed. */
export function refusedShortcut(error: unknown): ShortcutRefused | null {
  if (typeof error !== "object" || error === null || !("refused_shortcut" in error)) return null;
  const refused = error.refused_shortcut;
  if (typeof refused !== "object" || refused === null) return null;
  if (!("key" in refused) || !("reason" in refused)) return null;
  return { key: String(refused.key), reason: String(refused.reason) };
}
