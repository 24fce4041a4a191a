// Generated from crates/page-contract by crates/bindings. Do not edit.
import type { InboxEvent } from "./InboxEvent";
import type { PhoneStatus } from "./PhoneStatus";
import type { RemoteRefusal } from "./RemoteRefusal";
import type { Settings } from "./Settings";
import type { Snapshot } from "./Snapshot";

/** Every event the app pushes to its pages, by its name in TypeScript. */
export const EVENT = {
  /** A change of the inbox, applied by its `seq`. */
  inboxChanged: "inbox://event",
  /** The whole inbox anew: a page missed changes. */
  inboxResync: "inbox://resync",
  /** The request a notification was clicked for, to be shown in the popover. */
  popoverSelect: "popover://select",
  /** The settings as now applied, from any window or the tray's menu. */
  settingsChanged: "settings://changed",
  /** A problem the person must know of, in one sentence. */
  problemAdded: "problems://added",
  /** Every remote peer turned away so far, at each new refusal. */
  remoteRefused: "remote://refused",
  /** Phone's state, at each change. */
  phoneChanged: "phone://changed",
} as const;

export type AppEvent = (typeof EVENT)[keyof typeof EVENT];

/** Each event's payload. */
export type EventPayloads = {
  "inbox://event": InboxEvent;
  "inbox://resync": Snapshot;
  "popover://select": string;
  "settings://changed": Settings;
  "problems://added": string;
  "remote://refused": Array<RemoteRefusal>;
  "phone://changed": PhoneStatus;
};
