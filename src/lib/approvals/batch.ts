import type { BatchRefusal } from "../bindings/BatchRefusal";

/** Why requests were left as they were by a batch decision, each reason once with its count. */
export function groupRefusals(
  refused: readonly BatchRefusal[],
): { reason: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const { reason } of refused) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  return [...counts].map(([reason, count]) => ({ reason, count }));
}
