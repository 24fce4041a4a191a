/** Where this window's own decision on a request stands, until the request leaves the list. */
export type DecisionStatus =
  | { state: "sending" }
  | { state: "sent" }
  | { state: "failed"; message: string };
