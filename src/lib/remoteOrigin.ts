/**
 * Where a request from another machine comes from, decoded from its `provenance.remote`
 * (written by the app from the kernel's view of the peer, never by the asker): `ssh:HOST` for
 * a request through an SSH forward, `container` for a peer in another PID namespace.
 */
export type RemoteOrigin =
  | { via: "ssh"; host: string }
  | { via: "container" }
  | { via: "unknown"; text: string };

export function remoteOrigin(remote: string): RemoteOrigin {
  if (remote.startsWith("ssh:")) return { via: "ssh", host: remote.slice("ssh:".length) };
  if (remote === "container") return { via: "container" };
  return { via: "unknown", text: remote };
}
