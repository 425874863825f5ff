// Gives the event loop a turn during long synchronous compute.

const EVERY_MS = 50;
let last = 0;

/**
 * Lets timers, I/O and signal handlers run, at most every 50 ms. On the CPU backends every
 * tensor read resolves at once (a microtask), so a training or evaluation loop would otherwise
 * never let a SIGINT or SIGTERM handler through until the whole run ended.
 *
 * @example
 * ```ts ignore
 * for (const batch of batches) { step(batch); await eventTurn(); }
 * ```
 */
export async function eventTurn(): Promise<void> {
  const now = performance.now();
  if (now - last < EVERY_MS) return;
  last = now;
  await new Promise<void>((resolve) => setTimeout(resolve, 0));
  last = performance.now();
}
