// Test-only: a value made reactive as a parent component's `$state` would be, to hand to a
// component's `$bindable` prop (a plain object there is not reactive, and Svelte says so).
export function reactive<T extends object>(value: T): T {
  const state = $state(value);
  return state;
}
