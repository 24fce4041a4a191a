// A tab and its panel find each other through these ids (aria-controls / aria-labelledby).
export function tabId(id: string): string {
  return `tab-${id}`;
}

export function panelId(id: string): string {
  return `panel-${id}`;
}

export type Tab<Id extends string> = { id: Id; label: string };
