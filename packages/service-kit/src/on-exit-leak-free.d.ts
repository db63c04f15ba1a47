// The part of on-exit-leak-free (pino's own exit hook, which ships no types) the logger uses.
declare module 'on-exit-leak-free' {
  /** Calls `fn(obj)` when the process exits, unless `obj` has been garbage-collected by then (held weakly). */
  export function register<T extends object>(obj: T, fn: (obj: T, event: 'exit') => void): void;
}
