// How an agent's token use and its estimated cost read: in full in the full window, in one
// short figure on the popover's row.
import type { TokenUsage } from "./bindings/TokenUsage";
import { formatCompactCount, formatCount, formatMicroUsd } from "./numbers";
import { revealHidden } from "./untrustedText";

/**
 * "Tokens: 18,400 in · 6,250 out · 412,000 cache read · 38,900 cache write (claude-sonnet-4-5)
 * · about $1.33". Without a cost, it says no price is known for the model; the model's name
 * comes from the agent's transcript, so its hidden characters are shown.
 */
export function usageLine(usage: TokenUsage, costMicroUsd: number | null): string {
  const tokens = [
    `${formatCount(usage.input_tokens)} in`,
    `${formatCount(usage.output_tokens)} out`,
    `${formatCount(usage.cache_read_tokens)} cache read`,
    `${formatCount(usage.cache_write_tokens)} cache write`,
  ].join(" · ");
  const model = usage.model === null ? "" : ` (${revealHidden(usage.model)})`;
  return `Tokens: ${tokens}${model} · ${costText(costMicroUsd)}`;
}

/** "about $1.33", "under $0.01", or that the model has no known price. */
function costText(costMicroUsd: number | null): string {
  if (costMicroUsd === null) return "no price known for this model";
  const cost = formatMicroUsd(costMicroUsd);
  return cost.startsWith("$") ? `about ${cost}` : cost;
}

/**
 * The one figure a narrow row has room for: the estimated cost ("$1.33"), or where no price
 * is known, the tokens in and out ("24.6k tokens"). The cache's are left out of that count:
 * each turn reads the whole conversation from it again, so they would dwarf the rest.
 */
export function usageFigure(usage: TokenUsage, costMicroUsd: number | null): string {
  if (costMicroUsd !== null) return formatMicroUsd(costMicroUsd);
  return `${formatCompactCount(usage.input_tokens + usage.output_tokens)} tokens`;
}
