// What the page hears from the Rust side, and not a command: the events the app pushes
// (typed from the list in crates/page-contract) and the snapshot the app hands to a new popover. Commands are
// called by their own names from ./bindings/commands.
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import { EVENT, type AppEvent, type EventPayloads } from "./bindings/events";
import type { InboxEvent } from "./bindings/InboxEvent";
import type { PhoneStatus } from "./bindings/PhoneStatus";
import type { RemoteRefusal } from "./bindings/RemoteRefusal";
import type { Settings } from "./bindings/Settings";
import type { Snapshot } from "./bindings/Snapshot";

/** Calls `handler` with the payload of each `event` the app pushes, typed from the list in crates/page-contract. */
function on<E extends AppEvent>(
  event: E,
  handler: (payload: EventPayloads[E]) => void,
): Promise<UnlistenFn> {
  return listen<EventPayloads[E]>(event, (e) => handler(e.payload));
}

/** Calls `handler` with each problem the app adds while it runs. */
export function onProblemAdded(handler: (message: string) => void): Promise<UnlistenFn> {
  return on(EVENT.problemAdded, handler);
}

/** Calls `onChange` with every remote peer turned away so far, at each new refusal. */
export function onRemoteRefused(
  onChange: (refusals: RemoteRefusal[]) => void,
): Promise<UnlistenFn> {
  return on(EVENT.remoteRefused, onChange);
}

/** Calls `onChange` with Phone's state at each change (Settings → Phone). */
export function onPhoneChanged(onChange: (status: PhoneStatus) => void): Promise<UnlistenFn> {
  return on(EVENT.phoneChanged, onChange);
}

/** Calls `onChange` with the applied settings whenever any window (or the tray) changes them. */
export function onSettingsChanged(onChange: (settings: Settings) => void): Promise<() => void> {
  return on(EVENT.settingsChanged, onChange);
}

/** Calls `onSelect` when the backend asks to show a request (a notification was clicked). */
export function onSelectRequest(onSelect: (requestId: string) => void): Promise<() => void> {
  return on(EVENT.popoverSelect, onSelect);
}

/**
 * The inbox as it was when the app built this window, if it handed one over (the popover's
 * first open then paints without waiting for its first round trip); read once.
 */
export function takeInitialSnapshot(): Snapshot | null {
  const handed = window as { __CONVERGE_TRAY_SNAPSHOT__?: Snapshot };
  const snapshot = handed.__CONVERGE_TRAY_SNAPSHOT__ ?? null;
  delete handed.__CONVERGE_TRAY_SNAPSHOT__;
  return snapshot;
}

/** Listens to inbox changes; resolves to a function that stops listening to both. */
export async function subscribe(
  onEvent: (event: InboxEvent) => void,
  onResync: (snapshot: Snapshot) => void,
): Promise<() => void> {
  // Both at once: each is a round trip to the app, and a first open waits for them.
  const [events, resyncs] = await Promise.allSettled([
    on(EVENT.inboxChanged, onEvent),
    on(EVENT.inboxResync, onResync),
  ]);
  if (events.status === "rejected" || resyncs.status === "rejected") {
    if (events.status === "fulfilled") events.value();
    if (resyncs.status === "fulfilled") resyncs.value();
    throw events.status === "rejected" ? events.reason : (resyncs as PromiseRejectedResult).reason;
  }
  return () => {
    events.value();
    resyncs.value();
  };
}
