/** "1,500": the same in every locale, so what the app says reads alike everywhere. */
export function formatCount(count: number): string {
  return String(count).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/**
 * A count in a few characters: "950", "24.6k", "412k", "1.2M". Rounded down, so it never
 * says more than there is.
 */
export function formatCompactCount(count: number): string {
  if (count < 1000) return formatCount(count);
  if (count < 1_000_000) return scaled(count, 1000, "k");
  return scaled(count, 1_000_000, "M");
}

/** In `unit`s of `size`: one decimal below 100 ("24.6k", "3k" rather than "3.0k"), none above. */
function scaled(count: number, size: number, unit: string): string {
  // In whole tenths, so no fraction of a float rounds the figure up.
  const tenths = Math.floor(count / (size / 10));
  if (tenths >= 1000) return `${formatCount(Math.floor(tenths / 10))}${unit}`;
  const whole = Math.floor(tenths / 10);
  return tenths % 10 === 0 ? `${whole}${unit}` : `${whole}.${tenths % 10}${unit}`;
}

/** Millionths of a US dollar in dollars and cents: "$1.33", "$1,204.50"; or "under $0.01". */
export function formatMicroUsd(microUsd: number): string {
  if (microUsd < 10_000) return "under $0.01";
  const cents = Math.round(microUsd / 10_000);
  const dollars = Math.floor(cents / 100);
  return `$${formatCount(dollars)}.${String(cents % 100).padStart(2, "0")}`;
}
