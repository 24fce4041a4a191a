/** Time left before a deadline as mm:ss (minutes keep counting past 59), or "expired". */
export function formatCountdown(remainingMs: number): string {
  if (remainingMs <= 0) return "expired";
  // Round up so "00:00" is never shown while time remains.
  const totalSeconds = Math.ceil(remainingMs / 1000);
  const minutes = Math.floor(totalSeconds / 60);
  const seconds = totalSeconds % 60;
  return `${pad(minutes)}:${pad(seconds)}`;
}

/** How long ago something happened, in its largest whole unit: "12s ago", "3m ago". */
export function formatAgo(elapsedMs: number): string {
  // Clamped: a timestamp the backend took a moment ago can be a little ahead of our tick.
  const seconds = Math.max(0, Math.floor(elapsedMs / 1000));
  if (seconds < 1) return "just now";
  if (seconds < 60) return `${seconds}s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h ago`;
  return `${Math.floor(hours / 24)}d ago`;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** A moment in local time, to the second: "24 Nov 2026, 05:33:06". */
export function formatDateTime(ms: number): string {
  // Spelled out rather than left to the locale, so an audit trail reads the same everywhere.
  const date = new Date(ms);
  const day = `${date.getDate()} ${MONTHS[date.getMonth()]} ${date.getFullYear()}`;
  return `${day}, ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

function pad(value: number): string {
  return String(value).padStart(2, "0");
}
