// Keeps the inventory current (S3): re-collects it every few minutes (cheap: no systeminformation,
// whose answers are cached) and has the session republish it, retained, when it changed: a new
// address or interface, a filesystem mounted, resized or gone, a new host name, a queue drop.
import type { Inventory } from '../contract/inventory.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';

export interface InventoryWatchDeps {
  clock: Clock;
  log: Logger;
  /** collects the inventory as it is now */
  collect: () => Promise<Inventory>;
  /** called with each collected inventory (the session publishes it if it changed) */
  onInventory: (inventory: Inventory) => void;
  /** between checks; 5 minutes by default */
  everyMs?: number;
}

export interface InventoryWatch {
  start(): void;
  /** Collects now (after a configuration change, say), outside the regular rhythm. */
  checkNow(): Promise<void>;
  stop(): Promise<void>;
}

export function createInventoryWatch(deps: InventoryWatchDeps): InventoryWatch {
  const everyMs = deps.everyMs ?? 5 * 60_000;
  let timer: unknown = null;
  let running: Promise<void> | null = null;
  let stopped = true;

  const check = (): Promise<void> => {
    running ??= deps.collect()
      .then((inventory) => { if (!stopped) deps.onInventory(inventory); })
      .catch((error: unknown) => { deps.log.warn('inventory check failed; the last one stays published', { error }); })
      .finally(() => { running = null; });
    return running;
  };

  const plan = (): void => {
    if (stopped) return;
    timer = deps.clock.setTimeout(() => {
      timer = null;
      void check().then(plan);
    }, everyMs);
  };

  return {
    start(): void {
      if (!stopped) return;
      stopped = false;
      plan();
    },
    checkNow: check,
    async stop(): Promise<void> {
      stopped = true;
      if (timer !== null) deps.clock.clearTimeout(timer);
      timer = null;
      await running;
    },
  };
}
