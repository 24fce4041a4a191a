// The one module that talks to the Rust side. Everything else imports these typed
// functions, so the command and event names live here and nowhere else.
import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import type { InboxEvent } from "./bindings/InboxEvent";
import type { Snapshot } from "./bindings/Snapshot";
import type { Verdict } from "./bindings/Verdict";

export const COMMAND = {
  inboxSnapshot: "inbox_snapshot",
  inboxDecide: "inbox_decide",
  popoverHide: "popover_hide",
  popoverSelect: "popover_select",
} as const;

export const EVENT = {
  inboxEvent: "inbox://event",
  inboxResync: "inbox://resync",
  popoverSelect: "popover://select",
} as const;

export function getSnapshot(): Promise<Snapshot> {
  return invoke<Snapshot>(COMMAND.inboxSnapshot);
}

/** The backend records the surface from the calling window, never from the caller's word. */
export function decide(requestId: string, verdict: Verdict): Promise<void> {
  return invoke<void>(COMMAND.inboxDecide, { requestId, verdict });
}

export function hidePopover(): Promise<void> {
  return invoke<void>(COMMAND.popoverHide);
}

/** Tells the backend which request the approve/deny shortcuts should act on. */
export function reportSelection(requestId: string | null): Promise<void> {
  return invoke<void>(COMMAND.popoverSelect, { requestId });
}

/** Calls `onSelect` when the backend asks to show a request (a notification was clicked). */
export function onSelectRequest(onSelect: (requestId: string) => void): Promise<() => void> {
  return listen<string>(EVENT.popoverSelect, (e) => onSelect(e.payload));
}

/** Listens to inbox changes; resolves to a function that stops listening to both. */
export async function subscribe(
  onEvent: (event: InboxEvent) => void,
  onResync: (snapshot: Snapshot) => void,
): Promise<() => void> {
  const stopEvents = await listen<InboxEvent>(EVENT.inboxEvent, (e) => onEvent(e.payload));
  try {
    const stopResync = await listen<Snapshot>(EVENT.inboxResync, (e) => onResync(e.payload));
    return () => {
      stopEvents();
      stopResync();
    };
  } catch (error) {
    stopEvents();
    throw error;
  }
}
