/** "1,500": the same in every locale, so what the app says reads alike everywhere. */
export function formatCount(count: number): string {
  return String(count).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}
